package fakeauth

import (
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/fidelity"
)

// CheckTable passes rows the discovery document backs and names the line
// of each one it does not.
func TestCheckTable(t *testing.T) {
	d, err := LoadDiscovery("admin/directory/v1/admin-api.json")
	if err != nil {
		t.Fatal(err)
	}
	md := `| kind | endpoint | name | source |
| --- | --- | --- | --- |
| endpoint | GET /admin/directory/v1/users | | test |
| param | GET /admin/directory/v1/users | query | test |
| field | GET /admin/directory/v1/users | users[].primaryEmail | test |
| field | * | error.code | test |
| param | GET /admin/directory/v1/users | limit | test |
| field | GET /admin/directory/v1/users | users[].email | test |
| field | * | users | test |
| endpoint | GET /admin/directory/v1/people | | test |
| field | GET /admin/directory/v1/people | id | test |
`
	tab, err := fidelity.Parse("T.md", []byte(md))
	if err != nil {
		t.Fatal(err)
	}
	checked, problems := d.CheckTable(tab)
	if checked != 4 {
		t.Errorf("checked %d rows, want 4 (two params, two fields of a method)", checked)
	}
	var lines []string
	for _, p := range problems {
		lines = append(lines, strings.SplitN(p.Error(), ":", 3)[1])
	}
	if got := strings.Join(lines, ","); got != "7,8,9,10,11" {
		t.Errorf("problems on lines %s, want 7,8,9,10,11: %v", got, problems)
	}
}
