package fake

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

// pythonClient returns Debian's python3 with Google's client, skipping
// the test when it is missing, except under CI, where it must be there
// (scripts/test.sh installs it).
func pythonClient(t *testing.T) string {
	t.Helper()
	py, err := fakeauth.PythonClient()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %v", err)
		}
		t.Skip(err)
	}
	return py
}

type pyUser struct {
	ID           string `json:"id"`
	PrimaryEmail string `json:"primaryEmail"`
	FullName     string `json:"fullName"`
	OrgUnitPath  string `json:"orgUnitPath"`
	Suspended    bool   `json:"suspended"`
	Archived     bool   `json:"archived"`
}

// TestPythonClient signs in to the fake with Google's Python client
// (google-auth's service-account credentials with a subject, which pad
// the JWT's segments with '=') and pages users.list over one org unit
// with googleapiclient built from the Go module's discovery document. It
// must read exactly the fake's users of that unit, on the pages the page
// size makes, with everything served in the fidelity tables.
func TestPythonClient(t *testing.T) {
	py := pythonClient(t)
	apiDir, err := fakeauth.GoogleAPIModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{District: Generate(8, 700), Fidelity: true})
	defer s.Close()
	key, err := s.NewServiceAccount()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	const ou, pageSize = "/Students", 37
	want := map[string]User{}
	for _, u := range s.Users() {
		if ouMatch(u.OrgUnitPath, ou, true) {
			want[u.ID] = u
		}
	}
	if len(want) < 2*pageSize {
		t.Fatalf("only %d users under %s: too few to page", len(want), ou)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "pyclient.py"),
		"--key", keyFile, "--subject", s.District().SuperAdmin,
		"--discovery", filepath.Join(apiDir, "admin", "directory", "v1", "admin-api.json"),
		"--root", s.Endpoint(), "--org-unit", ou, "--page-size", "37")
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
		Pages int      `json:"pages"`
		Users []pyUser `json:"users"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("pyclient.py printed %q: %v", out, err)
	}
	if wantPages := (len(want) + pageSize - 1) / pageSize; got.Pages != wantPages {
		t.Errorf("the Python client read %d pages, want %d", got.Pages, wantPages)
	}
	seen := map[string]bool{}
	for _, p := range got.Users {
		u, ok := want[p.ID]
		switch {
		case seen[p.ID]:
			t.Errorf("%s (%s) listed twice", p.ID, p.PrimaryEmail)
		case !ok:
			t.Errorf("%s (%s, %s) is not under %s", p.ID, p.PrimaryEmail, p.OrgUnitPath, ou)
		case p != (pyUser{u.ID, u.PrimaryEmail, u.FullName(), u.OrgUnitPath, u.Suspended, u.Archived}):
			t.Errorf("the Python client read %+v, the fake holds %+v", p, u)
		}
		seen[p.ID] = true
	}
	if len(seen) != len(want) {
		t.Errorf("the Python client read %d users, the fake has %d under %s", len(seen), len(want), ou)
	}
	if c := s.Counts(); c.Token == 0 || c.TokenRefused != 0 {
		t.Errorf("token requests %d, refused %d: want the padded assertion accepted", c.Token, c.TokenRefused)
	}
	s.CheckFidelity(t)
}
