package oauth1

import (
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Schoology's documented PLAINTEXT header, line breaks and all, parses to
// its parameters with the signature decoded.
func TestParseAuthorization(t *testing.T) {
	h := `OAuth realm="Schoology API",
   oauth_consumer_key="dpf43f3p2l4k3l03",
   oauth_token="",
   oauth_nonce="kllo9940pd9333jh",
   oauth_timestamp="1200376800",
   oauth_signature_method="PLAINTEXT",
   oauth_version="1.0",
   oauth_signature="kd94hf93k423kf44%26"`
	realm, p, err := ParseAuthorization(h)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"oauth_consumer_key": "dpf43f3p2l4k3l03", "oauth_token": "", "oauth_nonce": "kllo9940pd9333jh",
		"oauth_timestamp": "1200376800", "oauth_signature_method": "PLAINTEXT", "oauth_version": "1.0", "oauth_signature": "kd94hf93k423kf44&"}
	if realm != "Schoology API" || !maps.Equal(p, want) {
		t.Fatalf("realm %q params %v", realm, p)
	}
	bad := []string{`Bearer abc`, `OAuth oauth_nonce=abc`, `OAuth oauth_nonce="a", oauth_nonce="b"`, `OAuth oauth_signature="%zz"`}
	for _, b := range bad {
		if _, _, err := ParseAuthorization(b); err == nil {
			t.Errorf("ParseAuthorization(%q) accepted", b)
		}
	}
}

// The header writes realm first and the signature last, and reads back.
func TestAuthorizationHeaderRoundTrip(t *testing.T) {
	p := map[string]string{"oauth_signature": "a+b/c=", "oauth_consumer_key": "k y", "oauth_token": "", "oauth_nonce": "n"}
	h := AuthorizationHeader("Schoology API", p)
	if !strings.HasPrefix(h, `OAuth realm="Schoology API", oauth_consumer_key="k%20y"`) || !strings.HasSuffix(h, `oauth_signature="a%2Bb%2Fc%3D"`) {
		t.Fatalf("header %s", h)
	}
	realm, got, err := ParseAuthorization(h)
	if err != nil || realm != "Schoology API" || !maps.Equal(got, p) {
		t.Fatalf("read back %q %v %v", realm, got, err)
	}
}

type capture struct{ got []*http.Request }

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	c.got = append(c.got, r)
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
}

// Each request gets its own nonce, timestamps never go backwards though
// the clock does, the caller's request is left alone, and the signature
// verifies against what was sent.
func TestSigner(t *testing.T) {
	c := &capture{}
	clock := []time.Time{time.Unix(2000, 0), time.Unix(1000, 0)}
	s := &Signer{Next: c, ConsumerKey: "key", ConsumerSecret: "secret", Realm: "Schoology API", EmptyToken: true,
		Now: func() time.Time { t := clock[0]; clock = clock[1:]; return t }}
	for range 2 {
		req, _ := http.NewRequest("GET", "https://api.example.org/v1/sections/5/enrollments?start=0&limit=200", nil)
		if _, err := s.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if req.Header.Get("Authorization") != "" {
			t.Fatal("the caller's request was changed")
		}
	}
	var nonces []string
	for _, r := range c.got {
		realm, p, err := ParseAuthorization(r.Header.Get("Authorization"))
		if err != nil {
			t.Fatal(err)
		}
		if realm != "Schoology API" || p["oauth_token"] != "" || p["oauth_signature_method"] != "HMAC-SHA1" || p["oauth_timestamp"] != "2000" {
			t.Fatalf("sent %q %v", realm, p)
		}
		sig := p["oauth_signature"]
		delete(p, "oauth_signature")
		base, _ := SignatureBase(r.Method, r.URL, p)
		if want, _ := Sign(HMACSHA1, base, "secret", ""); want != sig {
			t.Fatalf("signature %s does not verify (want %s)", sig, want)
		}
		nonces = append(nonces, p["oauth_nonce"])
	}
	if nonces[0] == nonces[1] {
		t.Fatal("a nonce was reused")
	}
}
