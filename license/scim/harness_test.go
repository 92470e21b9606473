package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// env is a license store with one license, a SCIM store with one
// connection, and the SCIM server in front of them.
type env struct {
	t        *testing.T
	licenses *bolt.Store
	store    *BoltStore
	srv      *Server
	http     *httptest.Server
	token    string
	conn     string
}

const lic = "district"

func newEnv(t *testing.T, conn Connection) *env {
	t.Helper()
	dir := t.TempDir()
	ls, err := bolt.Open(filepath.Join(dir, "rollcall.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ls.Close() })
	if _, err := ls.CreateLicense(context.Background(), license.License{ID: lic, Name: "District", Type: license.TypeDistrict, Seats: 100}); err != nil {
		t.Fatal(err)
	}
	ss, err := OpenBolt(filepath.Join(dir, "scim.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	if conn.Name == "" {
		conn.Name = "entra"
	}
	if conn.Licenses == nil {
		conn.Licenses = []string{lic}
	}
	if conn.DeletionMin == 0 && conn.DeletionPercent == 0 {
		conn.DeletionMin, conn.DeletionPercent = 20, 10
	}
	tok, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	conn.TokenHash, conn.TokenPrefix, conn.Created = hash, tok[:12], time.Now()
	if err := ss.CreateConnection(context.Background(), conn); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, licenses: ls, store: ss, token: tok, conn: conn.Name}
	e.srv = New(Options{Store: ss, Licenses: ls})
	e.http = httptest.NewServer(e.srv)
	t.Cleanup(e.http.Close)
	return e
}

// do sends a request as the identity provider would and decodes the answer.
func (e *env) do(method, path string, body any, hdr ...string) (int, map[string]any, http.Header) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, e.http.URL+Prefix+path, rd)
	req.Header.Set("Authorization", "Bearer "+e.token)
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			e.t.Fatalf("%s %s: %d with a body that is not JSON: %s", method, path, resp.StatusCode, data)
		}
	}
	return resp.StatusCode, out, resp.Header
}

// must is do that fails unless the status is want.
func (e *env) must(want int, method, path string, body any, hdr ...string) map[string]any {
	e.t.Helper()
	code, out, _ := e.do(method, path, body, hdr...)
	if code != want {
		e.t.Fatalf("%s %s = %d %v, want %d", method, path, code, out, want)
	}
	return out
}

// members is the license's members: email → role and whether the
// connection claims them.
func (e *env) members() map[string]license.Role {
	e.t.Helper()
	out := map[string]license.Role{}
	err := e.licenses.Claims(context.Background(), lic, license.Source("scim/"+e.conn), func(m *license.Member) error {
		for _, c := range m.Claims {
			if c.Source == license.Source("scim/"+e.conn) {
				out[m.Email] = c.Role
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *env) expect(want map[string]license.Role) {
	e.t.Helper()
	got := e.members()
	if len(got) != len(want) {
		e.t.Fatalf("members %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			e.t.Fatalf("members %v, want %v", got, want)
		}
	}
}

// events lists the audit actions on the license for email.
func (e *env) events(email string) []string {
	e.t.Helper()
	evs, err := e.licenses.Events(context.Background(), lic, license.EventQuery{Email: email})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, string(ev.Action)+" by "+ev.Actor)
	}
	return out
}
