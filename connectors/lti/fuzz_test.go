package lti

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/lti/fake"
)

// FuzzMembershipContainer feeds any roster body (and Link header) to a
// read: it ends with people or an error, never a panic or endless paging.
func FuzzMembershipContainer(f *testing.F) {
	for _, s := range []struct{ body, link string }{
		{`{"id":"x","context":{"id":"c"},"members":[{"user_id":"1","email":"a@b.org","roles":["Learner"]}]}`, ""},
		{`{"members":[{"user_id":"1","status":"Deleted","roles":["Instructor"]}]}`, `<?page=2>; rel="next"`},
		{`{"members":null}`, `<http://[::1/>; rel="next"`},
		{`{"members":[{"roles":"Learner"}]}`, ""},
		{`[]`, ""}, {``, ""},
	} {
		f.Add(s.body, s.link)
	}
	e := newEnv(f, nil, "fuzz", nil, nil, nil)
	e.platform.RegisterTool(fake.Tool{ClientID: testClientID, Keys: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{e.conn.Key().Public()}}})
	f.Fuzz(func(t *testing.T, body, link string) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if link != "" {
				w.Header().Set("Link", link)
			}
			w.Header().Set("Content-Type", MediaTypeMembership)
			_, _ = w.Write([]byte(body))
		}))
		defer srv.Close()
		_ = e.conn.Fetch(context.Background(), connectors.Selection{Units: []string{"memberships:" + srv.URL + "/nrps"}},
			func([]connectors.Person) error { return nil })
	})
}
