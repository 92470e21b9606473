package canvas

import (
	"errors"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

func testConnector(t testing.TB) *Connector {
	t.Helper()
	c, err := New(Settings{BaseURL: "https://canvas.example", AccessToken: "t"}, connectors.OpenOptions{Name: "lms"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// One page of "List users in course" becomes people as documented: the
// strongest mapped role of the enrollments in the selected states, the
// email as Canvas shows it (none: emitted once, for the planner to skip
// and count), never a login; a confirmed user without the email key is
// a token that cannot read emails.
func TestUsersPage(t *testing.T) {
	cases := []struct {
		name    string
		options map[string]string
		roles   map[string]license.Role
		body    string
		want    string // "id:email:role" joined by spaces
		err     error
	}{
		{"student and teacher in one course", nil, nil,
			`[{"id":1,"name":"A","email":"A@X.org","login_id":"s1","enrollments":[{"type":"StudentEnrollment","enrollment_state":"active"},{"type":"TeacherEnrollment","enrollment_state":"active"}]}]`,
			"1:A@X.org:teacher", nil},
		{"null email is kept empty, login never used", nil, nil,
			`[{"id":2,"email":null,"login_id":"b@x.org","enrollments":[{"type":"StudentEnrollment","enrollment_state":"active"}]}]`,
			"2::student", nil},
		{"observer only, inactive only", nil, nil,
			`[{"id":3,"email":"o@x.org","enrollments":[{"type":"ObserverEnrollment","enrollment_state":"active"}]},{"id":4,"email":"i@x.org","enrollments":[{"type":"StudentEnrollment","enrollment_state":"inactive"}]}]`,
			"", nil},
		{"email key missing for a confirmed user", nil, nil,
			`[{"id":5,"enrollments":[{"type":"StudentEnrollment","enrollment_state":"active"}]}]`, "", ErrEmailPermission},
		{"invited only: no email key, no permission problem", map[string]string{"enrollment_states": "active,invited"}, nil,
			`[{"id":6,"enrollments":[{"type":"StudentEnrollment","enrollment_state":"invited"}]}]`, "6::student", nil},
		{"custom role by name", nil, map[string]license.Role{"Grader": license.RoleOther},
			`[{"id":7,"email":"g@x.org","enrollments":[{"type":"TaEnrollment","role":"Grader","enrollment_state":"active"}]}]`, "7:g@x.org:other", nil},
		{"ids as strings", nil, nil,
			`[{"id":"8","email":"s@x.org","enrollments":[{"type":"DesignerEnrollment","enrollment_state":"active"}]}]`, "8:s@x.org:teacher", nil},
	}
	c := testConnector(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := c.planFor(connectors.Selection{Units: []string{"course:1"}, Options: tc.options, Roles: tc.roles})
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.usersPage(p, &read{noEmail: map[id]bool{}}, "users of course 1, page 1", "course:1", []byte(tc.body), nil)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if err != nil {
				if !strings.Contains(err.Error(), `canvas "lms": users of course 1, page 1: user 5`) {
					t.Errorf("error %q does not say where", err)
				}
				return
			}
			var got []string
			for _, p := range out {
				got = append(got, p.ExternalID+":"+p.Email+":"+string(p.Role))
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("people %v, want %q", got, tc.want)
			}
		})
	}
	t.Run("no email once per fetch", func(t *testing.T) {
		p, _ := c.planFor(connectors.Selection{Units: []string{"account:1"}})
		r := &read{noEmail: map[id]bool{}}
		body := []byte(`[{"id":9,"email":null,"enrollments":[{"type":"StudentEnrollment","enrollment_state":"active"}]}]`)
		first, _ := c.usersPage(p, r, "c", "course:1", body, nil)
		second, _ := c.usersPage(p, r, "c", "course:2", body, nil)
		if len(first) != 1 || len(second) != 0 {
			t.Errorf("emitted %d then %d times, want once", len(first), len(second))
		}
	})
}

// FuzzUsersPage: any body decodes to people or an error, never a panic,
// and every person has an id and a valid role.
func FuzzUsersPage(f *testing.F) {
	f.Add(`[{"id":1,"email":"a@x.org","enrollments":[{"type":"StudentEnrollment","enrollment_state":"active"}]}]`)
	f.Add(`[{"id":"2","email":null,"enrollments":[{"type":"TeacherEnrollment","role":"X","enrollment_state":"active"}]}]`)
	f.Add(`[{"id":3,"enrollments":[{"type":"StudentEnrollment","enrollment_state":"invited"}]}]`)
	f.Add(`{"errors":[{"message":"no"}]}`)
	f.Add(`[{"id":1e99}]`)
	c := testConnector(f)
	p, err := c.planFor(connectors.Selection{Units: []string{"course:1"}, Options: map[string]string{"enrollment_states": "active,invited"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		out, err := c.usersPage(p, &read{noEmail: map[id]bool{}}, "c", "course:1", []byte(body), nil)
		if err != nil {
			return
		}
		for _, person := range out {
			if person.ExternalID == "" || !person.Role.Valid() {
				t.Fatalf("person %+v from %q", person, body)
			}
		}
	})
}
