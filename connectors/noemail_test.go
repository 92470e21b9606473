package connectors

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestEmailCount(t *testing.T) {
	hint := HiddenEmails("the token's user needs the view-emails permission")
	cases := []struct {
		name   string
		emails []string // one entry per person read
		fails  bool
	}{
		{"nobody read", nil, false},
		{"one person without an email", []string{""}, true},
		{"many without, blanks count as none", []string{"", " ", "\t", ""}, true},
		{"one with an email among many without", []string{"", "", "a@x.org", ""}, false},
		{"everyone with an email", []string{"a@x.org", "b@x.org"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c EmailCount
			for _, e := range tc.emails {
				c.Count(e)
			}
			if c.People() != len(tc.emails) {
				t.Errorf("People = %d, want %d", c.People(), len(tc.emails))
			}
			err := c.Err(`moodle "lms"`, "participants", hint)
			if c.Hidden() != tc.fails || (err != nil) != tc.fails {
				t.Fatalf("Hidden = %v, Err = %v; want failing %v", c.Hidden(), err, tc.fails)
			}
			if err == nil {
				return
			}
			if !errors.Is(err, ErrNoEmails) || !errors.Is(err, hint) {
				t.Errorf("%v is not ErrNoEmails and its vendor hint", err)
			}
			for _, want := range []string{`moodle "lms"`, "participants", "view-emails permission"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q does not name %q", err, want)
				}
			}
			if n := strings.Fields(strings.SplitN(err.Error(), ": ", 2)[1])[0]; n != strconv.Itoa(len(tc.emails)) {
				t.Errorf("%q: count %s, want %d", err, n, len(tc.emails))
			}
		})
	}
}

// Pages and per-goroutine counts add up to the same verdict as one count.
func TestEmailCountPagesAndAdd(t *testing.T) {
	var a, b, total EmailCount
	a.CountPage([]Person{{Email: ""}, {Email: ""}})
	b.CountPage([]Person{{Email: ""}})
	total.Add(a)
	total.Add(b)
	if total.People() != 3 || total.WithEmail() != 0 || !total.Hidden() {
		t.Fatalf("total %+v", total)
	}
	b.CountPage([]Person{{Email: "x@y.org"}})
	total = EmailCount{}
	total.Add(a)
	total.Add(b)
	if total.People() != 4 || total.WithEmail() != 1 || total.Hidden() {
		t.Fatalf("total %+v", total)
	}
	if err := total.Err("x", "people", nil); err != nil {
		t.Fatal(err)
	}
	var none EmailCount
	none.Count("")
	if err := none.Err("x", "people", nil); !errors.Is(err, ErrNoEmails) {
		t.Fatalf("nil hint: %v", err)
	}
}
