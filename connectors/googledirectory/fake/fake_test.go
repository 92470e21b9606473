package fake

import (
	"context"
	"crypto"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2/jwt"

	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

func TestParseUserQuery(t *testing.T) {
	tr, fa := true, false
	cases := []struct {
		in      string
		want    userQuery
		wantErr bool
	}{
		{"", userQuery{}, false},
		{"orgUnitPath='/Students/Grade 9'", userQuery{orgUnit: "/Students/Grade 9"}, false},
		{`orgUnitPath='/Students/O\'Keeffe Middle' isSuspended=false`, userQuery{orgUnit: "/Students/O'Keeffe Middle", suspended: &fa}, false},
		{`orgUnitPath='/A\\B'`, userQuery{orgUnit: `/A\B`}, false},
		{"orgUnitPath=/Staff isArchived=true isAdmin=false", userQuery{orgUnit: "/Staff", archived: &tr, admin: &fa}, false},
		{"email:thomas*", userQuery{emailPrefix: "thomas"}, false},
		{"orgUnitPath='/Students", userQuery{}, true},
		{"orgUnitPath='Students'", userQuery{}, true},
		{"isSuspended=maybe", userQuery{}, true},
		{"givenName=Thomas", userQuery{}, true},
		{"nonsense", userQuery{}, true},
	}
	for _, tc := range cases {
		got, err := parseUserQuery(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("parseUserQuery(%q) error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err == nil && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseUserQuery(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func FuzzParseUserQuery(f *testing.F) {
	for _, s := range []string{"orgUnitPath='/a b' isSuspended=false", `orgUnitPath='/O\'K'`, "email:x*", "'", `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseUserQuery(s)
		if err == nil && q.orgUnit != "" && !strings.HasPrefix(q.orgUnit, "/") {
			t.Fatalf("accepted org unit %q without a leading /", q.orgUnit)
		}
	})
}

func TestParseFields(t *testing.T) {
	m, err := parseFields("nextPageToken,users(id,primaryEmail,name/fullName,orgUnitPath)")
	if err != nil {
		t.Fatal(err)
	}
	if !m.has("nextPageToken") || m.has("kind") || !m.has("users") {
		t.Error("top-level selection wrong")
	}
	u := m.sub("users")
	if !u.has("id") || u.has("suspended") || !u.sub("name").has("fullName") || u.sub("name").has("givenName") {
		t.Error("users selection wrong")
	}
	if bad := m.unknown(usersSchema(), ""); bad != "" {
		t.Errorf("valid selection reported unknown %q", bad)
	}
	for _, in := range []string{"users(idd)", "kinds", "users(name/nickname)", "users(id", "users(,)"} {
		m, err := parseFields(in)
		if err == nil && m.unknown(usersSchema(), "") == "" {
			t.Errorf("fields %q accepted", in)
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, b := Generate(42, 3000), Generate(42, 3000)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed and size gave different districts")
	}
	if c := Generate(43, 3000); reflect.DeepEqual(a.Users, c.Users) {
		t.Fatal("different seeds gave the same users")
	}
	ids, emails := map[string]bool{}, map[string]bool{}
	var thomases, suspended, archived int
	for i, u := range a.Users {
		if ids[u.ID] || emails[strings.ToLower(u.PrimaryEmail)] {
			t.Fatalf("duplicate id or email %s %s", u.ID, u.PrimaryEmail)
		}
		ids[u.ID], emails[strings.ToLower(u.PrimaryEmail)] = true, true
		if i > 0 && a.Users[i-1].ID >= u.ID {
			t.Fatal("users not sorted by id")
		}
		if a.orgUnit(u.OrgUnitPath) == nil {
			t.Fatalf("user %s in unknown OU %s", u.PrimaryEmail, u.OrgUnitPath)
		}
		if u.GivenName == "Thomas" {
			thomases++
		}
		if u.Suspended {
			suspended++
		}
		if u.Archived {
			archived++
		}
	}
	if thomases < 100 || suspended == 0 || archived == 0 {
		t.Errorf("thomases %d, suspended %d, archived %d: the district lacks the cases tests need", thomases, suspended, archived)
	}
}

// token gets a real token through the JWT flow.
func token(t *testing.T, s *Server, subject string) string {
	t.Helper()
	sa, _, err := NewServiceAccount("sa@p.iam.gserviceaccount.com", s.TokenURL())
	if err != nil {
		t.Fatal(err)
	}
	s.Register(sa)
	cfg := &jwt.Config{Email: sa.Email, PrivateKey: pemKey(t, sa), Subject: subject, Scopes: ReadOnlyScopes(), TokenURL: s.TokenURL()}
	tok, err := cfg.TokenSource(context.Background()).Token()
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func pemKey(t *testing.T, sa *ServiceAccount) []byte {
	var kf struct {
		PrivateKey string `json:"private_key"`
	}
	b, err := sa.KeyFile("x")
	if err != nil || json.Unmarshal(b, &kf) != nil {
		t.Fatal("key file", err)
	}
	return []byte(kf.PrivateKey)
}

func get(t *testing.T, s *Server, tok, path string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL()+path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &body)
	return resp.StatusCode, body, resp.Header
}

func errorReason(body map[string]any) (string, string) {
	e, _ := body["error"].(map[string]any)
	errs, _ := e["errors"].([]any)
	if len(errs) == 0 {
		return "", ""
	}
	first, _ := errs[0].(map[string]any)
	r, _ := first["reason"].(string)
	st, _ := e["status"].(string)
	return r, st
}

func TestAPIErrors(t *testing.T) {
	s := New(Options{District: Generate(1, 100), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	tok := token(t, s, s.District().SuperAdmin)
	plain := token(t, s, s.District().NonAdmin)
	cases := []struct {
		name, tok, path string
		code            int
		reason          string
	}{
		{"no token", "", "/admin/directory/v1/users?customer=my_customer", 401, "authError"},
		{"unknown token", "ya29.nope", "/admin/directory/v1/users?customer=my_customer", 401, "authError"},
		{"not an admin", plain, "/admin/directory/v1/users?customer=my_customer", 403, "forbidden"},
		{"maxResults above 500", tok, "/admin/directory/v1/users?customer=my_customer&maxResults=501", 400, "invalid"},
		{"maxResults 0", tok, "/admin/directory/v1/users?customer=my_customer&maxResults=0", 400, "invalid"},
		{"no customer", tok, "/admin/directory/v1/users", 400, "badRequest"},
		{"other customer", tok, "/admin/directory/v1/users?customer=C0other", 403, "forbidden"},
		{"unknown OU", tok, "/admin/directory/v1/users?customer=my_customer&query=" + url.QueryEscape("orgUnitPath='/Nope'"), 400, "invalid"},
		{"bad field", tok, "/admin/directory/v1/users?customer=my_customer&fields=users(idd)", 400, "invalid"},
		{"forged page token", tok, "/admin/directory/v1/users?customer=my_customer&pageToken=abc", 400, "invalid"},
		{"unknown user", tok, "/admin/directory/v1/users/ghost@district.example.org", 404, "notFound"},
		{"unknown role", tok, "/admin/directory/v1/customer/my_customer/roles/1", 404, "notFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body, hdr := get(t, s, tc.tok, tc.path)
			reason, _ := errorReason(body)
			if code != tc.code || reason != tc.reason {
				t.Errorf("%s: %d %s, want %d %s (body %v)", tc.path, code, reason, tc.code, tc.reason, body)
			}
			if code == 401 && !strings.Contains(hdr.Get("WWW-Authenticate"), "invalid_token") {
				t.Error("401 without a WWW-Authenticate challenge")
			}
		})
	}
}

func TestRateLimitBodies(t *testing.T) {
	s := New(Options{District: Generate(1, 50), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	tok := token(t, s, s.District().SuperAdmin)
	cases := []struct {
		kind           RateLimitKind
		code           int
		reason, status string
	}{
		{UserRateLimitExceeded, 403, "userRateLimitExceeded", "PERMISSION_DENIED"},
		{RateLimitExceeded, 403, "rateLimitExceeded", "PERMISSION_DENIED"},
		{QuotaExceeded, 403, "quotaExceeded", "PERMISSION_DENIED"},
		{ResourceExhausted, 429, "rateLimitExceeded", "RESOURCE_EXHAUSTED"},
	}
	for _, tc := range cases {
		s.RateLimit(tc.kind, 1, 3*time.Second)
		code, body, hdr := get(t, s, tok, "/admin/directory/v1/users?customer=my_customer")
		reason, status := errorReason(body)
		if code != tc.code || reason != tc.reason || status != tc.status || hdr.Get("Retry-After") != "3" {
			t.Errorf("kind %d: %d %s %s Retry-After %q", tc.kind, code, reason, status, hdr.Get("Retry-After"))
		}
		if code, _, _ := get(t, s, tok, "/admin/directory/v1/users?customer=my_customer"); code != 200 {
			t.Errorf("kind %d: limit did not clear after one request: %d", tc.kind, code)
		}
	}
}

// The token endpoint checks each claim of the assertion.
func TestTokenEndpoint(t *testing.T) {
	s := New(Options{District: Generate(1, 50), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	sa, _, err := NewServiceAccount("sa@p.iam.gserviceaccount.com", s.TokenURL())
	if err != nil {
		t.Fatal(err)
	}
	s.Register(sa)
	other, _, _ := NewServiceAccount("sa@p.iam.gserviceaccount.com", s.TokenURL())
	now := time.Now().Unix()
	good := func() *fakeauth.Claims {
		return &fakeauth.Claims{Iss: sa.Email, Sub: s.District().SuperAdmin, Scope: strings.Join(ReadOnlyScopes(), " "),
			Aud: s.TokenURL(), Iat: now - 10, Exp: now + 3590}
	}
	cases := []struct {
		name   string
		edit   func(c *fakeauth.Claims)
		key    *rsa.PrivateKey
		status int
		code   string
	}{
		{"valid", func(*fakeauth.Claims) {}, sa.Key, 200, ""},
		{"other key", func(*fakeauth.Claims) {}, other.Key, 400, "invalid_grant"},
		{"unknown issuer", func(c *fakeauth.Claims) { c.Iss = "x@y.iam.gserviceaccount.com" }, sa.Key, 400, "invalid_grant"},
		{"wrong audience", func(c *fakeauth.Claims) { c.Aud = "https://oauth2.googleapis.com/token" }, sa.Key, 400, "invalid_grant"},
		{"lives over an hour", func(c *fakeauth.Claims) { c.Exp = c.Iat + 3601 }, sa.Key, 400, "invalid_grant"},
		{"expired", func(c *fakeauth.Claims) { c.Iat, c.Exp = now-7200, now-3600 }, sa.Key, 400, "invalid_grant"},
		{"unknown subject", func(c *fakeauth.Claims) { c.Sub = "ghost@district.example.org" }, sa.Key, 400, "invalid_grant"},
		{"write scope", func(c *fakeauth.Claims) { c.Scope = ScopeUser }, sa.Key, 400, "unauthorized_client"},
		{"no scope", func(c *fakeauth.Claims) { c.Scope = "" }, sa.Key, 400, "invalid_scope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			tc.edit(c)
			a := signJWT(t, c, tc.key)
			resp, err := http.PostForm(s.TokenURL(), url.Values{"grant_type": {fakeauth.JWTBearerGrant}, "assertion": {a}})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tc.status || (tc.code != "" && body["error"] != tc.code) {
				t.Errorf("%d %v, want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
			if tc.status == 200 && (body["access_token"] == "" || body["expires_in"] == nil) {
				t.Errorf("token response %v lacks a token or expiry", body)
			}
		})
	}
}

func TestPagingStableAndComplete(t *testing.T) {
	s := New(Options{District: Generate(2, 1000), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	tok := token(t, s, s.District().SuperAdmin)
	seen := map[string]bool{}
	pageToken := ""
	pages := 0
	for {
		path := "/admin/directory/v1/users?customer=my_customer&maxResults=37&fields=nextPageToken,users(id)&query=" +
			url.QueryEscape("orgUnitPath='/Students'")
		if pageToken != "" {
			path += "&pageToken=" + url.QueryEscape(pageToken)
		}
		code, body, _ := get(t, s, tok, path)
		if code != 200 {
			t.Fatalf("page %d: %d %v", pages+1, code, body)
		}
		pages++
		users, _ := body["users"].([]any)
		if len(users) > 37 {
			t.Fatalf("page of %d users, above maxResults", len(users))
		}
		for _, u := range users {
			m := u.(map[string]any)
			if len(m) != 1 {
				t.Fatalf("fields=users(id) gave %v", m)
			}
			id := m["id"].(string)
			if seen[id] {
				t.Fatalf("%s on two pages", id)
			}
			seen[id] = true
		}
		next, _ := body["nextPageToken"].(string)
		if next == "" {
			break
		}
		pageToken = next
	}
	var want int
	for _, u := range s.Users() {
		if strings.HasPrefix(u.OrgUnitPath, "/Students/") {
			want++
		}
	}
	if len(seen) != want || pages < want/37 {
		t.Errorf("%d users over %d pages, want %d", len(seen), pages, want)
	}
}

func TestMutationsAndChurn(t *testing.T) {
	s := New(Options{District: Generate(3, 500), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	d := s.District()
	target := "/Staff/" + d.Schools[1].Name
	var victim string
	for _, u := range s.Users() {
		if strings.HasPrefix(u.OrgUnitPath, "/Students/") && !u.Suspended && !u.Archived {
			victim = u.PrimaryEmail
			break
		}
	}
	if err := s.Move(victim, target); err != nil {
		t.Fatal(err)
	}
	if !containsEmail(s.ActiveIn(target, false), victim) {
		t.Error("moved user not in the new OU")
	}
	if err := s.Suspend(victim); err != nil || containsEmail(s.ActiveIn("/", true), victim) {
		t.Errorf("suspended user still active (%v)", err)
	}
	if err := s.Remove(victim); err != nil || containsEmail(s.Users(), victim) {
		t.Errorf("removed user still listed (%v)", err)
	}
	if err := s.Move("ghost@x.org", target); err == nil {
		t.Error("moving an unknown user succeeded")
	}
	if _, err := s.Add(User{PrimaryEmail: d.SuperAdmin}); err == nil {
		t.Error("a duplicate email was added")
	}
	before := len(s.Users())
	changes := s.Churn(rand.New(rand.NewPCG(1, 2)), 200)
	if len(changes) != 200 {
		t.Fatalf("%d changes, want 200", len(changes))
	}
	adds, removes := 0, 0
	for _, c := range changes {
		switch c.Kind {
		case "add":
			adds++
		case "remove":
			removes++
		}
	}
	if after := len(s.Users()); after != before+adds-removes {
		t.Errorf("%d users after churn, want %d", after, before+adds-removes)
	}
}

func containsEmail(us []User, email string) bool {
	for _, u := range us {
		if u.PrimaryEmail == email {
			return true
		}
	}
	return false
}

// Faults and mutations are safe while requests are in flight (run with -race).
func TestConcurrentFaultsAndMutations(t *testing.T) {
	s := New(Options{District: Generate(4, 300), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	tok := token(t, s, s.District().SuperAdmin)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				get(t, s, tok, "/admin/directory/v1/users?customer=my_customer&maxResults=50")
			}
		})
	}
	wg.Go(func() {
		rng := rand.New(rand.NewPCG(5, 6))
		for range 10 {
			s.Churn(rng, 5)
			s.RateLimit(UserRateLimitExceeded, 1, 0)
			s.ServerErrors(503, 1)
			s.ExpireTokens()
		}
	})
	wg.Wait()
	if s.Counts().API != 40 {
		t.Errorf("%d API requests counted, want 40", s.Counts().API)
	}
}

// signJWT builds an RS256 assertion the way RFC 7515 lays it out.
func signJWT(t *testing.T, c *fakeauth.Claims, key *rsa.PrivateKey) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(c)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(crand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}
