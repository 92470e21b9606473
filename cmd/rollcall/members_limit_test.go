package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestMembersListLimitPastAStorePage: --limit above the store's page of
// 1,000 lists that many (it was capped silently), 0 lists all, and a
// shorter list says how to continue.
func TestMembersListLimitPastAStorePage(t *testing.T) {
	e := newEnv(t)
	e.ok("", "license", "create", "--id", "big", "--name", "Big", "--type", "school", "--seats", "2000")
	var csv strings.Builder
	csv.WriteString("email\n")
	for i := range 1500 {
		fmt.Fprintf(&csv, "p%04d@big.example.org\n", i)
	}
	e.ok("", "members", "import", "--license", "big", e.write("people.csv", csv.String()))
	for _, tt := range []struct {
		limit    string
		want     int
		wantNext bool
	}{{"1200", 1200, true}, {"0", 1500, false}, {"1500", 1500, false}, {"7", 7, true}} {
		var page struct {
			Members []struct{ Email string }
			Next    string
		}
		e.jsonOK(&page, "", "members", "list", "--license", "big", "--limit", tt.limit)
		if len(page.Members) != tt.want || (page.Next != "") != tt.wantNext {
			t.Errorf("--limit %s: %d members, next %q; want %d, next %v", tt.limit, len(page.Members), page.Next, tt.want, tt.wantNext)
		}
	}
	// The table continues where --limit stopped.
	r := e.ok("", "members", "list", "--license", "big", "--limit", "1001")
	if !strings.Contains(r.stdout, "p1000@big.example.org") || strings.Contains(r.stdout, "p1001@big.example.org") || !strings.Contains(r.stdout, "More: --cursor ") {
		t.Errorf("--limit 1001 table ends wrong:\n%s", r.stdout[max(0, len(r.stdout)-300):])
	}
}
