package fake

import (
	"crypto/rand"
	"crypto/rsa"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// LTI claim names.
const (
	ClaimMessageType  = "https://purl.imsglobal.org/spec/lti/claim/message_type"
	ClaimVersion      = "https://purl.imsglobal.org/spec/lti/claim/version"
	ClaimDeploymentID = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
	ClaimTargetLink   = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
	ClaimResourceLink = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
	ClaimRoles        = "https://purl.imsglobal.org/spec/lti/claim/roles"
	ClaimContext      = "https://purl.imsglobal.org/spec/lti/claim/context"
	ClaimNRPS         = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
)

// Tamper changes the next id_token the platform issues, for refusal
// tests: Claims edits its claims; RogueKey signs it with a key the
// platform never published.
type Tamper struct {
	Claims   func(map[string]any)
	RogueKey bool
}

// TamperNext applies t to the next id_token only.
func (p *Platform) TamperNext(t Tamper) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = &t
}

var launchPage = template.Must(template.New("launch").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1>
<form id="launch" method="post" action="{{.Login}}">
{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<button id="launch-rollcall" type="submit">Open Rollcall</button>
</form></body></html>
`))

// serveLaunchPage is a course's page with a link that launches the tool:
// LTI 1.3 third-party initiated login, posted to the tool's login URL.
func (p *Platform) serveLaunchPage(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	c := p.courses[r.PathValue("id")]
	t := p.tools[r.URL.Query().Get("client_id")]
	p.mu.Unlock()
	if c == nil || t == nil {
		http.Error(w, "no such course or tool", http.StatusNotFound)
		return
	}
	fields := map[string]string{
		"iss":               p.Issuer(),
		"login_hint":        r.URL.Query().Get("user"),
		"target_link_uri":   t.target(),
		"lti_message_hint":  c.ID,
		"client_id":         t.ClientID,
		"lti_deployment_id": t.DeploymentID,
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = launchPage.Execute(w, map[string]any{"Title": c.Title, "Login": t.LoginURL, "Fields": fields})
}

func (t *Tool) target() string {
	if t.TargetLink != "" {
		return t.TargetLink
	}
	if len(t.RedirectURIs) > 0 {
		return t.RedirectURIs[0]
	}
	return ""
}

var postBack = template.Must(template.New("post").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Launching…</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{{.Action}}">
<input type="hidden" name="id_token" value="{{.IDToken}}">
<input type="hidden" name="state" value="{{.State}}">
<noscript><button type="submit">Continue</button></noscript>
</form></body></html>
`))

// serveAuth is the OIDC authorization endpoint of LTI 1.3's login flow.
func (p *Platform) serveAuth(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f := r.Form
	fail := func(msg string) { http.Error(w, "invalid_request: "+msg, http.StatusBadRequest) }
	p.mu.Lock()
	t := p.tools[f.Get("client_id")]
	p.mu.Unlock()
	switch {
	case t == nil:
		fail("unknown client_id")
		return
	case !slices.Contains(t.RedirectURIs, f.Get("redirect_uri")):
		fail("redirect_uri is not registered for this tool")
		return
	case f.Get("response_type") != "id_token":
		fail("response_type must be id_token")
		return
	case !slices.Contains(strings.Fields(f.Get("scope")), "openid"):
		fail("scope must include openid")
		return
	case f.Get("response_mode") != "form_post":
		fail("response_mode must be form_post")
		return
	case f.Get("prompt") != "none":
		fail("prompt must be none")
		return
	case f.Get("nonce") == "":
		fail("nonce is required")
		return
	case f.Get("login_hint") == "":
		fail("login_hint is required")
		return
	}
	tok, err := p.idToken(t, f.Get("login_hint"), f.Get("lti_message_hint"), f.Get("nonce"))
	if err != nil {
		fail(err.Error())
		return
	}
	p.count.launches.Add(1)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = postBack.Execute(w, map[string]string{"Action": f.Get("redirect_uri"), "IDToken": tok, "State": f.Get("state")})
}

type hintError string

func (e hintError) Error() string { return string(e) }

// idToken signs the launch of user in course for tool.
func (p *Platform) idToken(t *Tool, user, course, nonce string) (string, error) {
	p.mu.Lock()
	c := p.courses[course]
	key := p.keys[len(p.keys)-1]
	tamper := p.tamper
	p.tamper = nil
	p.idSeq++
	seq := p.idSeq
	p.mu.Unlock()
	if c == nil {
		return "", hintError("lti_message_hint names no course")
	}
	var m *Member
	for i := range c.Members {
		if c.Members[i].UserID == user {
			m = &c.Members[i]
		}
	}
	if m == nil {
		return "", hintError("login_hint names no member of the course")
	}
	now := p.now()
	claims := map[string]any{
		"iss":             p.Issuer(),
		"sub":             m.UserID,
		"aud":             []string{t.ClientID},
		"azp":             t.ClientID,
		"exp":             now.Add(5 * time.Minute).Unix(),
		"iat":             now.Unix(),
		"nonce":           nonce,
		"name":            m.Name(),
		"given_name":      m.Given,
		"family_name":     m.Family,
		ClaimMessageType:  "LtiResourceLinkRequest",
		ClaimVersion:      "1.3.0",
		ClaimDeploymentID: t.DeploymentID,
		ClaimTargetLink:   t.target(),
		ClaimResourceLink: map[string]any{"id": "rl-" + c.ID + "-" + strconv.Itoa(seq%2), "title": "Rollcall"},
		ClaimRoles:        m.Roles,
		ClaimContext: map[string]any{"id": c.ID, "label": c.Label, "title": c.Title,
			"type": []string{"http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"}},
		ClaimNRPS: map[string]any{"context_memberships_url": p.MembershipsURL(c.ID), "service_versions": []string{"2.0"}},
	}
	if m.Email != "" {
		claims["email"] = m.Email
	}
	if tamper != nil && tamper.Claims != nil {
		tamper.Claims(claims)
	}
	if tamper != nil && tamper.RogueKey {
		rogue, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return "", err
		}
		key = signingKey{kid: key.kid, priv: rogue} // same kid, other key: a forged signature
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key.priv, KeyID: key.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// LaunchForm is what the platform posts to the tool at the end of the
// login flow.
type LaunchForm struct {
	Action  string
	IDToken string
	State   string
}

// Values are the form's fields.
func (f LaunchForm) Values() url.Values {
	return url.Values{"id_token": {f.IDToken}, "state": {f.State}}
}

// serveJWKS publishes the platform's public keys.
func (p *Platform) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	set := jose.JSONWebKeySet{}
	for _, k := range p.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.RS256), Use: "sig"})
	}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, "application/json", set)
}
