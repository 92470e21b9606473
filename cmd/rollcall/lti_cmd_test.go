package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/lti/fake"
)

// TestLTIKeygen makes the tool's key with --out (0600), refuses to replace
// it, and makes a config's missing key files.
func TestLTIKeygen(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "key.pem")
	r := e.ok("", "lti", "keygen", "--out", key)
	if !strings.Contains(r.stdout, "key id ") || !strings.Contains(r.stdout, "/lti/jwks") {
		t.Fatalf("keygen output:\n%s", r)
	}
	st, err := os.Stat(key)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v, %v: want mode 0600", st, err)
	}
	before, _ := os.ReadFile(key)
	r = e.fail(1, "", "lti", "keygen", "--out", key)
	if !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("second keygen:\n%s", r)
	}
	if after, _ := os.ReadFile(key); string(after) != string(before) {
		t.Fatal("keygen replaced an existing key")
	}
	cfg := filepath.Join(dir, "rollcall.yaml")
	writeLTIConfig(t, cfg, "https://lms.example.org", "tool.pem", "")
	r = e.ok("", "lti", "keygen", "--config", cfg)
	if !strings.Contains(r.stdout, "connector lms: wrote "+filepath.Join(dir, "tool.pem")) {
		t.Fatalf("keygen from the config:\n%s", r)
	}
	if r = e.ok("", "lti", "keygen", "--config", cfg); !strings.Contains(r.stdout, "exists; kept") {
		t.Fatalf("keygen again from the config:\n%s", r)
	}
}

func writeLTIConfig(t *testing.T, path, issuer, key, autoEnrol string) {
	t.Helper()
	base := strings.TrimRight(issuer, "/")
	doc := fmt.Sprintf(`connectors:
  - name: lms
    type: lti
    settings:
      issuer: %s
      client_id: "10000000000042"
      deployment_ids: ["dep-1"]
      auth_login_url: %s%s
      token_url: %s%s
      jwks_url: %s%s
      private_key_file: %s
      auto_enrol_license: %q
`, base, base, fake.PathAuth, base, fake.PathToken, base, fake.PathJWKS, key, autoEnrol)
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
}

var ltiAddedRe = regexp.MustCompile(`first sync added (\d+) people`)

// TestServeLTILaunch runs `rollcall serve` with an lti connector, registers
// it with the fake platform (which reads the tool's keys from the served
// /lti/jwks), and launches from a course: the served endpoints verify the
// launch and the engine creates and syncs the course's deployment.
func TestServeLTILaunch(t *testing.T) {
	e := newEnv(t)
	course := fake.Course{ID: "c-501", Label: "BIO", Title: "Biology", Members: []fake.Member{
		{UserID: "t1", Given: "Tess", Family: "Ng", Email: "tess.ng@district.example.org", Roles: []string{fake.RoleInstructor}},
		{UserID: "s1", Given: "Sam", Family: "Ode", Email: "sam.ode@district.example.org", Roles: []string{"Learner"}},
		{UserID: "s2", Given: "Ana", Family: "Ruiz", Email: "ana.ruiz@district.example.org", Roles: []string{fake.RoleLearner}, Status: "Active"},
		{UserID: "s3", Given: "Old", Family: "Timer", Email: "old.timer@district.example.org", Roles: []string{fake.RoleLearner}, Status: "Inactive"},
		{UserID: "s4", Given: "No", Family: "Mail", Roles: []string{fake.RoleLearner}},
		{UserID: "m1", Given: "Pat", Family: "Ode", Email: "pat@home.example.org", Roles: []string{fake.RoleMentor}},
	}}
	p := fake.New(fake.Options{Courses: []fake.Course{course}})
	t.Cleanup(p.Close)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "rollcall.yaml")
	writeLTIConfig(t, cfg, p.Issuer(), "tool.pem", "hs")
	e.ok("", "lti", "keygen", "--config", cfg)
	e.ok("", "license", "create", "--id", "hs", "--name", "High School", "--type", "school", "--seats", "100")

	proc := e.startProc("serve", "--config", cfg, "--listen", "127.0.0.1:0")
	base := "http://" + proc.waitLine(t, servingRe, 30*time.Second)[1]
	p.RegisterTool(fake.Tool{ClientID: "10000000000042", DeploymentID: "dep-1", LoginURL: base + "/lti/login",
		RedirectURIs: []string{base + "/lti/launch"}, JWKSURL: base + "/lti/jwks"})
	client := &http.Client{Timeout: time.Minute}
	form, err := p.Login(context.Background(), client, course.ID, "t1", "10000000000042")
	if err != nil {
		t.Fatalf("login: %v\nserve stderr:\n%s", err, proc.stderr.String())
	}
	resp, err := client.PostForm(form.Action, form.Values())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := ltiAddedRe.FindStringSubmatch(string(body))
	if resp.StatusCode != 200 || m == nil || m[1] != "3" {
		t.Fatalf("launch: %d %s\nwant 3 people added (teacher and two active learners with email)\nserve stderr:\n%s", resp.StatusCode, body, proc.stderr.String())
	}
	if n := p.Counts().Tokens; n < 1 {
		t.Fatalf("the platform issued %d access tokens: the roster was not read through NRPS", n)
	}
	proc.stop(t, 30*time.Second)
	r := e.ok("", "members", "list", "--license", "hs")
	for _, want := range []string{"tess.ng@district.example.org", "sam.ode@district.example.org", "ana.ruiz@district.example.org"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("members of hs lack %s:\n%s", want, r)
		}
	}
	for _, not := range []string{"old.timer", "pat@home"} {
		if strings.Contains(r.stdout, not) {
			t.Fatalf("members of hs include %s:\n%s", not, r)
		}
	}
}
