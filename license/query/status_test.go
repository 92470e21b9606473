package query

import (
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

func TestStatusField(t *testing.T) {
	leaving := &license.Member{Email: "gone@x.org", Claims: []license.Claim{{Source: "roster/hs", Leaving: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}}}
	kept := &license.Member{Email: "both@x.org", Claims: []license.Claim{{Source: license.SourceManual}, {Source: "roster/hs", Leaving: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}}}
	active := &license.Member{Email: "here@x.org", Claims: []license.Claim{{Source: "roster/hs"}}}
	tests := []struct {
		q                     string
		leaving, kept, active bool
		canon                 string
	}{
		{"status is leaving", true, false, false, "status is leaving"},
		{"STATUS is Leaving", true, false, false, "status is leaving"},
		{"status is not leaving", false, true, true, "status is not leaving"},
		{"status is active", false, true, true, "status is active"},
		{"status is leaving and email contains gone", true, false, false, "status is leaving and email contains gone"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.q, err)
		}
		if got := [3]bool{q.Match(leaving), q.Match(kept), q.Match(active)}; got != [3]bool{tt.leaving, tt.kept, tt.active} {
			t.Errorf("%q matches (leaving, kept by a manual claim, active) = %v", tt.q, got)
		}
		if q.String() != tt.canon {
			t.Errorf("%q canonical form %q, want %q", tt.q, q.String(), tt.canon)
		}
		if f := q.Fields(); !strings.Contains(strings.Join(f, ","), "status") {
			t.Errorf("%q Fields = %v, want status among them", tt.q, f)
		}
	}
	for _, bad := range []struct{ q, want string }{
		{"status is gone", "unknown status"},
		{"status contains leav", "is or is not"},
		{"status before 2026-01-01", "is or is not"},
	} {
		if _, err := Parse(bad.q); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Parse(%q) = %v; want an error saying %q", bad.q, err, bad.want)
		}
	}
}
