package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/canvas"
	canvasfake "github.com/rollcall-sync/rollcall/connectors/canvas/fake"
	"github.com/rollcall-sync/rollcall/license"
)

// A link whose test fails leaves the license's LMS failing with the
// vendor's words, and creates nothing: whether the token is refused, the
// selected course is unknown to Canvas (404), or the token cannot see
// email addresses. A link that passes its test is linked.
func TestLinkLMSFailedCheckMarksFailing(t *testing.T) {
	srv := canvasfake.New(canvasfake.Options{District: canvasfake.Generate(5, 40, 4)})
	t.Cleanup(srv.Close)
	blind := srv.AddUser(canvasfake.User{Name: "Blind Admin", SortableName: "Admin, Blind", Admin: true, NoEmailPermission: true})
	cases := []struct {
		name   string
		token  string
		units  []string
		status license.LinkStatus
		want   string // in LastError
	}{
		{"refused token", "7~not-a-token", []string{"account:self"}, license.LinkFailing, "Invalid access token"},
		{"course Canvas answers 404 for", srv.AdminToken(), []string{"course:999"}, license.LinkFailing, "(404)"},
		{"token without read_email_addresses", srv.NewToken(blind), []string{"account:self"}, license.LinkFailing, "read_email_addresses"},
		{"good link", srv.AdminToken(), []string{"course:1001"}, license.LinkOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 5000)
			s := &canvas.Settings{BaseURL: srv.URL(), AccessToken: config.Secret(tc.token)}
			conn, err := s.Open(connectors.OpenOptions{Name: "lms"})
			if err != nil {
				t.Fatal(err)
			}
			f.engine.conns["lms"] = conn
			f.engine.types = map[string]string{"lms": "canvas"}
			_, _, err = f.engine.LinkLMS(context.Background(), LinkLMSRequest{License: "hs", Connector: "lms", Units: tc.units, By: "admin@district.example.org"})
			if (err != nil) != (tc.status == license.LinkFailing) {
				t.Fatalf("LinkLMS = %v, want an error: %v", err, tc.status == license.LinkFailing)
			}
			l := f.mustLicense(t)
			if l.LMS.Status != tc.status || !strings.Contains(l.LMS.LastError, tc.want) || l.LMS.Vendor != "canvas" {
				t.Fatalf("LMS = %+v; want %s with %q in the last error", l.LMS, tc.status, tc.want)
			}
			deps, err := f.engine.Deployments(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 2}[tc.status == license.LinkFailing]; len(deps) != want {
				t.Errorf("%d deployments after the link, want %d", len(deps), want)
			}
		})
	}
}
