package main

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

func TestReadTokenFile(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name    string
		content string
		mode    os.FileMode
		want    string // token, or a part of the error
		ok      bool
	}{
		{"plain", "rcat_abc\n", 0o600, "rcat_abc", true},
		{"owner read only", "  rcat_abc  \n\n", 0o400, "rcat_abc", true},
		{"group readable", "rcat_abc\n", 0o640, "chmod 600", false},
		{"world readable", "rcat_abc\n", 0o644, "mode 0644", false},
		{"empty", "\n", 0o600, "one token on one line", false},
		{"two tokens", "rcat_a\nrcat_b\n", 0o600, "one token on one line", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			if err := os.WriteFile(p, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, c.mode); err != nil {
				t.Fatal(err)
			}
			got, err := readTokenFile(p)
			switch {
			case c.ok && (err != nil || got != c.want):
				t.Fatalf("readTokenFile = %q, %v; want %q", got, err, c.want)
			case !c.ok && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("readTokenFile error = %v; want one containing %q", err, c.want)
			case !c.ok && strings.Contains(err.Error(), "rcat_"):
				t.Fatalf("the error shows the token: %v", err)
			}
		})
	}
	if _, err := readTokenFile(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("a directory as token file: %v", err)
	}
}

func TestLoadTokenPrefersFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(p, []byte("from-file"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ROLLCALL_TOKEN", "from-env")
	if got, err := loadToken(p); err != nil || got != "from-file" {
		t.Fatalf("loadToken(file) = %q, %v", got, err)
	}
	if got, err := loadToken(""); err != nil || got != "from-env" {
		t.Fatalf("loadToken(env) = %q, %v", got, err)
	}
	t.Setenv("ROLLCALL_TOKEN", "  ")
	var ue *usageError
	if _, err := loadToken(""); !errors.As(err, &ue) {
		t.Fatalf("no token should be a usage error, got %v", err)
	}
}

func TestNewRemoteClientURL(t *testing.T) {
	for _, c := range []struct {
		url  string
		ok   bool
		base string
	}{
		{"https://rollcall.example.org", true, "https://rollcall.example.org"},
		{"https://rollcall.example.org/sub/", true, "https://rollcall.example.org/sub"},
		{"http://127.0.0.1:8080", true, "http://127.0.0.1:8080"},
		{"http://[::1]:8080/", true, "http://[::1]:8080"},
		{"http://localhost:8080", true, "http://localhost:8080"},
		{"http://rollcall.example.org", false, ""},
		{"https://user:pw@rollcall.example.org", false, ""},
		{"https://rollcall.example.org/?x=1", false, ""},
		{"rollcall.example.org", false, ""},
		{"ftp://rollcall.example.org", false, ""},
		{"", false, ""},
	} {
		rc, err := newRemoteClient(c.url, "tok")
		var ue *usageError
		switch {
		case c.ok && (err != nil || rc.base.String() != c.base):
			t.Errorf("newRemoteClient(%q) = %v, %v; want base %q", c.url, rc, err, c.base)
		case !c.ok && !errors.As(err, &ue):
			t.Errorf("newRemoteClient(%q) error = %v; want a usage error", c.url, err)
		case !c.ok && strings.Contains(err.Error(), "pw"):
			t.Errorf("newRemoteClient(%q) error shows the password: %v", c.url, err)
		}
	}
}

func TestRemoteErrorMapping(t *testing.T) {
	for _, c := range []struct {
		err      *remoteError
		sentinel error
		usage    bool   // asUsage makes it a usage error
		want     string // in the message
	}{
		{&remoteError{Status: 404, Code: "not_found", Message: `license "x": not found`}, license.ErrNotFound, false, `license "x": not found`},
		{&remoteError{Status: 409, Code: "seat_limit", Message: "no free seats"}, license.ErrSeatLimit, false, "no free seats"},
		{&remoteError{Status: 409, Code: "exists", Message: "exists"}, license.ErrExists, false, "exists"},
		{&remoteError{Status: 403, Code: "forbidden", Message: "only operators may do this: forbidden"}, auth.ErrForbidden, false, "the server refused (403): only operators may do this; "},
		{&remoteError{Status: 401, Code: "unauthenticated", Message: "token expired"}, auth.ErrUnauthenticated, false, "check ROLLCALL_TOKEN"},
		{&remoteError{Status: 400, Code: "invalid", Field: "seats", Message: "seats: must not be negative"}, license.ErrInvalid, true, "--seats: seats: must not be negative"},
		{&remoteError{Status: 400, Code: "invalid", Field: "limit", Message: "--limit is wrong"}, license.ErrInvalid, true, "--limit is wrong"},
		{&remoteError{Status: 400, Code: "invalid", Message: "no field"}, license.ErrInvalid, false, "no field"},
	} {
		if !errors.Is(c.err, c.sentinel) {
			t.Errorf("%+v does not unwrap to %v", c.err, c.sentinel)
		}
		err := asUsage(c.err, "rollcall x")
		var ue *usageError
		if errors.As(err, &ue) != c.usage {
			t.Errorf("asUsage(%+v) usage = %v, want %v", c.err, !c.usage, c.usage)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("message %q lacks %q", err.Error(), c.want)
		}
	}
	de := &remoteError{Status: http.StatusBadRequest, Code: "invalid_emails", Message: "1 of 2 addresses cannot be added",
		Items: []byte(`[{"index":1,"value":"x@@y","reason":"is not a valid address"}]`)}
	if got := de.Details(); len(got) != 1 || got[0] != "index 1, value x@@y, reason is not a valid address" {
		t.Errorf("Details = %q", got)
	}
}

// TestRemoteCommandsExist: every command given a remote body is a command
// of the tree (a renamed command must not lose its remote body silently),
// and the leaf commands that are none of remote, as-is or known to need
// the files are logged.
func TestRemoteCommandsExist(t *testing.T) {
	root := newRootCmd(io.Discard, io.Discard, strings.NewReader(""))
	leaves := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.HasSubCommands() && c != root {
			leaves[strings.TrimPrefix(c.CommandPath(), "rollcall ")] = true
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	remote := remoteCommands()
	for path := range remote {
		if !leaves[path] {
			t.Errorf("remoteCommands names %q, which is not a command", path)
		}
	}
	// Commands that need the files: no API route answers what they do.
	needFiles := map[string]bool{
		"check": true, "serve": true, "backup": true, "demo": true, "deploy-ou": true, "license history": true,
		"lms link": true, "scim token create": true, "scim token rotate": true, "scim connections": true, "scim approve": true,
		"migrate": true,
	}
	for path := range leaves {
		asIs := false
		for _, p := range remoteAsIs {
			asIs = asIs || path == p || strings.HasPrefix(path, p+" ")
		}
		// Not an error: such a command refuses --server, the safe default,
		// and helpers add commands while this list is kept.
		if remote[path] == nil && !asIs && !needFiles[path] {
			t.Logf("command %q refuses --server by default: give it a remote body or list it here", path)
		}
	}
}
