package lti

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/lti/fake"
)

// debianPython is the interpreter Debian's python3-jwt is installed for.
const debianPython = "/usr/bin/python3"

// pyjwt runs testdata/pyjwt_client.py, an LTI client on PyJWT that nobody
// here wrote the JWT code of; it skips (fails under CI) without PyJWT.
func pyjwt(t *testing.T, args ...string) []byte {
	t.Helper()
	if err := exec.Command(debianPython, "-c", "import jwt, cryptography").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the PyJWT client needs Debian's python3-jwt and python3-cryptography in CI: %v", err)
		}
		t.Skipf("PyJWT client skipped: install python3-jwt python3-cryptography (Debian) to run it: %v", err)
	}
	cmd := exec.Command(debianPython, append([]string{"testdata/pyjwt_client.py"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pyjwt_client.py %s: %v\n%s", args[0], err, stderr.String())
	}
	return out
}

// A PyJWT client gets a token with its own assertion, pages a roster by
// Link rel="next" and has its replayed assertion refused; it verifies a
// launch id_token against the platform's JWKS with PyJWT's JWKS client.
func TestPyJWTClient(t *testing.T) {
	r := connectortest.GenerateRoster(5, 90, 1)
	cs := courses(r)
	e := newEnv(t, cs, "pyjwt", nil, nil, nil)
	keyPath := e.conn.s.PrivateKeyFile
	e.platform.RegisterTool(fake.Tool{ClientID: testClientID, DeploymentID: "dep-1", Keys: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{e.conn.Key().Public()}}})
	out := pyjwt(t, "nrps", e.platform.TokenURL(), testClientID, keyPath, e.conn.Key().ID, e.platform.MembershipsURL(cs[0].ID))
	var got struct {
		Members []struct {
			UserID string `json:"user_id"`
		} `json:"members"`
		Pages        int    `json:"pages"`
		ReplayStatus int    `json:"replay_status"`
		ReplayError  string `json:"replay_error"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(got.Members) != len(cs[0].Members) || got.Pages != (len(cs[0].Members)+fake.DefaultLimit-1)/fake.DefaultLimit || got.Pages < 3 {
		t.Fatalf("PyJWT client read %d members in %d pages; the course has %d", len(got.Members), got.Pages, len(cs[0].Members))
	}
	if got.ReplayStatus != 401 || got.ReplayError != "invalid_client" {
		t.Fatalf("replayed assertion answered %d %q, want 401 invalid_client", got.ReplayStatus, got.ReplayError)
	}

	le := newLaunchEnv(t, "")
	form := le.login(t, 0, le.instructor(t, 0))
	out = pyjwt(t, "verify", le.platform.JWKSURL(), le.platform.Issuer(), testClientID, form.IDToken)
	var claims map[string]any
	if err := json.Unmarshal(out, &claims); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	ctx, _ := claims[fake.ClaimContext].(map[string]any)
	if claims[fake.ClaimDeploymentID] != "dep-1" || ctx["id"] != le.courses[0].ID || claims[fake.ClaimMessageType] != "LtiResourceLinkRequest" {
		t.Fatalf("PyJWT verified claims %v", claims)
	}
	// The same id_token is still a good launch for Rollcall's own checks.
	if code, body := le.post(t, form); code != 200 {
		t.Fatalf("launch after PyJWT's check: %d %s", code, body)
	}
}
