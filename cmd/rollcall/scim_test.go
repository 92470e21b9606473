package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license/scim"
)

// An identity provider provisions into a running server with the token
// `rollcall scim token create` printed; the CLI then sees the member.
func TestSCIMProvisioningThroughServe(t *testing.T) {
	e, cfg, _ := syncEnv(t, 3, 1)
	if r := e.run("", "scim", "token", "create", "--name", "entra", "--license", "nope"); r.code == 0 || !strings.Contains(r.stderr, "nope") {
		t.Fatalf("a connection to an unknown license was accepted: %+v", r)
	}
	out := e.ok("", "scim", "token", "create", "--name", "entra", "--license", "hs", "--group-role", "Teachers=teacher", "--json")
	var created struct{ Token string }
	if err := json.Unmarshal([]byte(out.stdout), &created); err != nil || !strings.HasPrefix(created.Token, "rcscim_") {
		t.Fatalf("token create --json: %v %q", err, out.stdout)
	}
	if list := e.ok("", "scim", "connections"); strings.Contains(list.stdout, created.Token) || !strings.Contains(list.stdout, "entra") {
		t.Fatalf("connections lists the token or not the connection:\n%s", list.stdout)
	}

	p := e.startProc("serve", "--config", cfg, "--listen", "127.0.0.1:0")
	base := "http://" + p.waitLine(t, servingRe, 30*time.Second)[1]
	send := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+"/scim/v2"+path, bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", "Bearer "+created.Token)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := send("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"pushed@district.example.org","active":true,"displayName":"Pushed Person"}`)
	if code != 201 {
		t.Fatalf("POST /Users = %d %s", code, body)
	}
	if code, _ := send("GET", "/Users", ""); code != 200 {
		t.Fatalf("GET /Users = %d", code)
	}
	// scim.db is backed up with the other files, through the running
	// server and from the files once it stopped.
	checkSCIMBackup := func(dir string) {
		t.Helper()
		s, err := scim.OpenBolt(filepath.Join(dir, "scim.db"), time.Second)
		if err != nil {
			t.Fatalf("backup has no usable scim.db: %v", err)
		}
		defer s.Close()
		if _, err := s.Connection(t.Context(), "entra"); err != nil {
			t.Fatalf("backed-up scim.db lacks the connection: %v", err)
		}
		n := 0
		if err := s.List(t.Context(), "entra", scim.KindUser, func(scim.Resource) error { n++; return nil }); err != nil || n != 1 {
			t.Fatalf("backed-up scim.db holds %d users (%v), want 1", n, err)
		}
	}
	live := filepath.Join(t.TempDir(), "live")
	if r := e.ok("", "backup", "--out", live); !strings.Contains(r.stdout, "scim.db (from the running server)") {
		t.Fatalf("backup through the server did not copy scim.db:\n%s", r.stdout)
	}
	checkSCIMBackup(live)
	p.stop(t, 30*time.Second)
	offline := filepath.Join(t.TempDir(), "offline")
	e.ok("", "backup", "--out", offline)
	checkSCIMBackup(offline)

	m := e.ok("", "members", "list", "--license", "hs", "--filter", "source is scim/entra", "--json")
	if !strings.Contains(m.stdout, "pushed@district.example.org") {
		t.Fatalf("the pushed person is not a member:\n%s", m.stdout)
	}
}
