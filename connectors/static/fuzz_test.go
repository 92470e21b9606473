package static

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// FuzzFetch: no roster file panics Fetch; a fetch either fails with an
// error placed in the file, or emits only well-formed, selected people.
func FuzzFetch(f *testing.F) {
	f.Add(rosterCSV, false)
	f.Add("email\n\"a\nb\",\n", false)
	f.Add("\ufeffemail,role\n# c\na@d.org,Staff\n", false)
	f.Add("- email: a@d.org\n  org_unit: /S\n- {email: b, role: teacher}\n", true)
	f.Add("- &a {email: a@d.org}\n- *a\n", true)
	sel := connectors.Selection{Units: []string{"/Students", "/Staff"}, Roles: map[string]license.Role{"/Staff": license.RoleTeacher, "staff": license.RoleOther}}
	f.Fuzz(func(t *testing.T, content string, yamlFormat bool) {
		dir := t.TempDir()
		name := "p.csv"
		if yamlFormat {
			name = "p.yaml"
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := (&Config{Path: name, PageSize: 2}).Open(connectors.OpenOptions{BaseDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		err = c.Fetch(context.Background(), sel, func(page []connectors.Person) error {
			if len(page) == 0 || len(page) > 2 {
				t.Fatalf("page of %d", len(page))
			}
			for _, p := range page {
				if p.Email == "" || !(strings.HasPrefix(p.OrgUnit, "/Students") || strings.HasPrefix(p.OrgUnit, "/Staff")) {
					t.Fatalf("emitted %+v", p)
				}
				if p.Role != "" && !p.Role.Valid() {
					t.Fatalf("role %q", p.Role)
				}
			}
			return nil
		})
		var fe *config.Error
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("error not placed in the file: %v", err)
		}
	})
}
