package fake

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

type pyMember struct {
	UserID string `json:"userId"`
	Email  string `json:"email"`
}

// TestPythonClient signs in to the fake Classroom with Google's Python
// client (google-auth service-account credentials with a subject, padded
// JWT segments) and pages courses, students and teachers with
// googleapiclient built from the Go module's discovery document. It must
// read exactly the fake's courses and rosters, emails included, with
// everything served in the fidelity tables.
func TestPythonClient(t *testing.T) {
	py, err := fakeauth.PythonClient()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %v", err)
		}
		t.Skip(err)
	}
	apiDir, err := fakeauth.GoogleAPIModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{School: Generate(9, 300), Fidelity: true})
	defer s.Close()
	key, err := s.NewServiceAccount()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	const pageSize = 4
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "pyclient.py"),
		"--key", keyFile, "--subject", s.Admin(),
		"--discovery", filepath.Join(apiDir, "classroom", "v1", "classroom-api.json"),
		"--root", s.Endpoint(), "--page-size", "4")
	cmd.Env = fakeauth.PythonEnv()
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("pyclient.py: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got struct {
		CoursePages int `json:"coursePages"`
		RosterPages int `json:"rosterPages"`
		Courses     []struct {
			ID       string     `json:"id"`
			Name     string     `json:"name"`
			State    string     `json:"state"`
			Students []pyMember `json:"students"`
			Teachers []pyMember `json:"teachers"`
		} `json:"courses"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("pyclient.py printed %q: %v", out, err)
	}

	emails := map[string]string{}
	for _, u := range s.Users() {
		emails[u.ID] = u.Email
	}
	members := func(ids []string) []pyMember {
		out := make([]pyMember, len(ids))
		for i, id := range ids {
			out[i] = pyMember{id, emails[id]}
		}
		return out
	}
	pages := func(n int) int { return max(1, (n+pageSize-1)/pageSize) }
	want := s.Courses()
	if len(want) < 2*pageSize {
		t.Fatalf("only %d courses: too few to page", len(want))
	}
	byID := map[string]Course{}
	wantRosterPages := 0
	for _, c := range want {
		byID[c.ID] = c
		wantRosterPages += pages(len(c.Students)) + pages(len(c.Teachers))
	}
	if got.CoursePages != pages(len(want)) || got.RosterPages != wantRosterPages {
		t.Errorf("the Python client read %d course pages and %d roster pages, want %d and %d",
			got.CoursePages, got.RosterPages, pages(len(want)), wantRosterPages)
	}
	if len(got.Courses) != len(want) {
		t.Errorf("the Python client read %d courses, the fake has %d", len(got.Courses), len(want))
	}
	noEmail := 0
	for _, c := range got.Courses {
		w, ok := byID[c.ID]
		if !ok {
			t.Errorf("course %s is not the fake's", c.ID)
			continue
		}
		if c.Name != w.Name || c.State != w.State {
			t.Errorf("course %s: %q %s, want %q %s", c.ID, c.Name, c.State, w.Name, w.State)
		}
		if !slices.Equal(c.Students, members(w.Students)) || !slices.Equal(c.Teachers, members(w.Teachers)) {
			t.Errorf("course %s: rosters differ:\nread students %v teachers %v\nwant students %v teachers %v",
				c.ID, c.Students, c.Teachers, members(w.Students), members(w.Teachers))
		}
		for _, m := range c.Students {
			if m.Email == "" {
				noEmail++
			}
		}
	}
	t.Logf("%d courses, %d roster pages, %d student places without an email", len(got.Courses), got.RosterPages, noEmail)
	if c := s.Counts(); c.Token == 0 || c.TokenRefused != 0 {
		t.Errorf("token requests %d, refused %d: want the padded assertion accepted", c.Token, c.TokenRefused)
	}
	s.CheckFidelity(t)
}
