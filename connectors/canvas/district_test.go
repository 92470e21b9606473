package canvas

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/canvas/fake"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// syncInto plans and applies one sync of sel from conn into a new store,
// and returns the members by email and the plan.
func syncInto(t *testing.T, conn connectors.Connector, sel connectors.Selection) (map[string]license.Member, *reconcile.Plan) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	st, err := bolt.Open(filepath.Join(t.TempDir(), "r.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.CreateLicense(ctx, license.License{ID: "lms", Name: "LMS", Type: license.TypeDistrict,
		Seats: 100_000, Created: now.AddDate(-1, 0, 0), Expires: now.AddDate(1, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	d := connectors.Deployment{Name: "district", Connector: "lms", License: "lms", Selection: sel, DeletionLimit: connectors.DefaultDeletionLimit}
	snap, err := reconcile.Collect(ctx, conn, sel)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := reconcile.Build(ctx, st, d, snap, reconcile.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reconcile.Apply(ctx, st, plan, reconcile.ApplyOptions{Actor: "test", Now: now}); err != nil {
		t.Fatal(err)
	}
	out := map[string]license.Member{}
	opts := license.ListOptions{Limit: 1000}
	for {
		p, err := st.ListMembers(ctx, "lms", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Members {
			out[m.Email] = m
		}
		if p.Next == "" {
			return out, plan
		}
		opts.Cursor = p.Next
	}
}

// A generated district whose students log in with SIS usernames, whose
// enrollments carry no email and some of whose people have none syncs
// every active student and teacher that has an email, for the account and
// for single courses, and counts each person without one as one skip;
// observers, unpublished and concluded courses, and inactive, invited,
// completed and deleted enrollments bring nobody. The expectation comes
// from the district's data, not from what the connector reads.
func TestGeneratedDistrictSync(t *testing.T) {
	d := fake.Generate(11, 500, 30)
	var unpublished, concluded, withTutor int64
	for _, c := range d.Courses {
		switch c.WorkflowState {
		case "unpublished":
			unpublished = c.ID
		case "completed":
			concluded = c.ID
		}
	}
	withTutor = d.Courses[29].ID // the course the peer tutor teaches
	logins := map[string]bool{}
	for _, u := range d.Users {
		if u.SISUserID != "" && u.LoginID == u.SISUserID {
			logins[strings.ToLower(u.LoginID)] = true
		}
	}
	if len(logins) < 400 {
		t.Fatalf("only %d people log in with an SIS username: the district does not test that", len(logins))
	}
	cases := []struct {
		name string
		unit string
		only []int64 // nil: every course
	}{
		{"account", "account:self", nil},
		{"term", "term:1", nil},
		{"single course", "course:1001", []int64{1001}},
		{"course of the student who teaches", "course:" + strconv.FormatInt(withTutor, 10), []int64{withTutor}},
		{"unpublished course", "course:" + strconv.FormatInt(unpublished, 10), []int64{}},
		{"concluded course", "course:" + strconv.FormatInt(concluded, 10), []int64{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, d, "lms", nil, nil, nil)
			want, noEmail := d.Members(tc.only)
			got, plan := syncInto(t, e.conn, connectors.Selection{Units: []string{tc.unit}})
			if len(got) != len(want) {
				t.Errorf("%d members, want %d", len(got), len(want))
			}
			roles := map[license.Role]int{}
			for email, role := range want {
				m, ok := got[email]
				if !ok {
					t.Errorf("%s (%s) is missing", email, role)
					continue
				}
				if string(m.Role) != role {
					t.Errorf("%s is a %s, want %s", email, m.Role, role)
				}
				roles[m.Role]++
			}
			for email := range got {
				if _, ok := want[email]; !ok {
					t.Errorf("%s is a member but should not be", email)
				}
				if logins[email] || !strings.Contains(email, "@") {
					t.Errorf("%s is a login, not an email", email)
				}
			}
			t.Logf("%d members (%v), %d skipped", len(got), roles, plan.Counts.Skipped)
			if plan.Counts.Skipped != noEmail {
				t.Errorf("%d skipped, want %d (the people without an email)", plan.Counts.Skipped, noEmail)
			}
			if tc.only == nil || len(tc.only) > 0 {
				if roles[license.RoleStudent] == 0 || roles[license.RoleTeacher] == 0 {
					t.Errorf("members by role %v: the case does not exercise both roles", roles)
				}
			}
			if tc.only == nil && noEmail < 30 {
				t.Errorf("only %d people without an email: the case does not exercise skipping", noEmail)
			}
		})
	}
}

// A token whose role lacks read_email_addresses sees no emails: the sync
// fails with ErrEmailPermission naming the permission, so that nothing is
// planned and nobody removed, and the selection check says the same.
func TestNoEmailPermission(t *testing.T) {
	d := fake.Generate(3, 60, 4)
	d.Users = append(d.Users, fake.User{ID: 99, Name: "Blind", SortableName: "Blind", Admin: true, NoEmailPermission: true})
	e := newEnv(t, d, "lms", nil, nil, nil)
	tok := configSecret(e.srv.NewToken(99))
	blind, err := New(Settings{BaseURL: e.srv.URL(), AccessToken: tok}, connectors.OpenOptions{Name: "lms", HTTPClient: e.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	for _, unit := range []string{"account:self", "course:1001", "term:1"} {
		sel := connectors.Selection{Units: []string{unit}}
		emitted := 0
		err := blind.Fetch(context.Background(), sel, func(p []connectors.Person) error { emitted += len(p); return nil })
		if !errors.Is(err, ErrEmailPermission) || !errors.Is(err, connectors.ErrNoEmails) || !strings.Contains(err.Error(), "read_email_addresses") ||
			!strings.Contains(err.Error(), `canvas "lms"`) || !strings.Contains(err.Error(), "people read before") {
			t.Errorf("%s: Fetch = %v, want ErrEmailPermission (a connectors.ErrNoEmails) naming the connector and the count", unit, err)
		}
		if err := blind.ValidateSelection(context.Background(), sel); !errors.Is(err, connectors.ErrNoEmails) {
			t.Errorf("%s: ValidateSelection = %v, want a connectors.ErrNoEmails", unit, err)
		}
		if _, err := reconcile.Collect(context.Background(), blind, sel); err == nil {
			t.Errorf("%s: a snapshot was collected without emails", unit)
		}
		if err := blind.ValidateSelection(context.Background(), sel); err == nil || !strings.Contains(err.Error(), "Users - view primary email address") {
			t.Errorf("%s: ValidateSelection = %v, want the permission named", unit, err)
		}
		if err := e.conn.ValidateSelection(context.Background(), sel); err != nil {
			t.Errorf("%s: the admin's ValidateSelection = %v", unit, err)
		}
	}
}
