package clever

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
)

// FuzzListAnswer feeds any answer body to a district read: it either
// reads people whose ids came from the body, or fails with an error; it
// never panics and never pages forever.
func FuzzListAnswer(f *testing.F) {
	for _, s := range []string{
		`{"data":[{"data":{"id":"a","email":"a@b.org","name":{"first":"A","last":"B"}},"uri":"/v3.0/users/a"}],"links":[{"rel":"self","uri":"/v3.0/users"}]}`,
		`{"data":[{"data":{"id":"a"}}],"links":[{"rel":"next","uri":"/v3.0/users?starting_after=a"}]}`,
		`{"data":[{"id":"flat"}]}`,
		`{"data":[],"links":[{"rel":"next","uri":"https://elsewhere.example.org/x"}]}`,
		`{"data":null}`, `[]`, `<html>`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}))
		defer srv.Close()
		c, err := New(Settings{BaseURL: srv.URL, Token: config.Secret("t"), Retry: retryOnce},
			connectors.OpenOptions{Name: "fuzz", HTTPClient: srv.Client()}, WithClock(connectortest.NewClock()))
		if err != nil {
			t.Fatal(err)
		}
		_ = c.Fetch(context.Background(), connectors.Selection{Units: []string{"district"}}, func([]connectors.Person) error { return nil })
	})
}
