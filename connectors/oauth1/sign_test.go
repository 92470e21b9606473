package oauth1

import (
	"net/url"
	"testing"
)

// RFC 5849 §3.4.1's worked example, with the body's parameters moved to
// the query: the base string the RFC prints.
func TestSignatureBaseRFC5849(t *testing.T) {
	u, err := url.Parse("http://EXAMPLE.com:80/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b&c2=&a3=2+q")
	if err != nil {
		t.Fatal(err)
	}
	oauth := map[string]string{
		"oauth_consumer_key":     "9djdj82h48djs9d2",
		"oauth_token":            "kkk9d7dh3k39sjv7",
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp":        "137131201",
		"oauth_nonce":            "7d8f3e4a",
	}
	got, err := SignatureBase("post", u, oauth)
	if err != nil {
		t.Fatal(err)
	}
	want := "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
	if got != want {
		t.Errorf("base string\n got %s\nwant %s", got, want)
	}
}

// The signatures RFC 5849 §1.2 prints for its photo example (HMAC-SHA1
// with a token secret), and Schoology's PLAINTEXT form (the consumer
// secret and "&").
func TestSign(t *testing.T) {
	u, _ := url.Parse("http://photos.example.net/photos?file=vacation.jpg&size=original")
	params := map[string]string{
		"oauth_consumer_key":     "dpf43f3p2l4k3l03",
		"oauth_token":            "nnch734d00sl2jdk",
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp":        "137131202",
		"oauth_nonce":            "chapoH",
	}
	base, err := SignatureBase("GET", u, params)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		m      Method
		secret string
		token  string
		want   string
	}{
		{HMACSHA1, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00", "MdpQcU8iPSUjWoN/UDMsK2sui9I="},
		{Plaintext, "kd94hf93k423kf44", "", "kd94hf93k423kf44&"},
		{Plaintext, "a&b c", "", "a%26b%20c&"},
	}
	for _, tc := range cases {
		got, err := Sign(tc.m, base, tc.secret, tc.token)
		if err != nil || got != tc.want {
			t.Errorf("Sign(%s, %q) = %q, %v; want %q", tc.m, tc.secret, got, err, tc.want)
		}
	}
	if _, err := Sign("RSA-SHA1", base, "s", ""); err == nil {
		t.Error("RSA-SHA1 signed; want an error")
	}
	// HMAC-SHA256 differs from SHA1 and depends on the secret.
	a, _ := Sign(HMACSHA256, base, "one", "")
	b, _ := Sign(HMACSHA256, base, "two", "")
	if a == b || len(a) != 44 {
		t.Errorf("HMAC-SHA256 signatures %q and %q", a, b)
	}
}

func TestBaseURI(t *testing.T) {
	cases := []struct{ in, want string }{
		{"HTTP://Example.COM:80/r%20v/X?id=123", "http://example.com/r%20v/X"},
		{"https://www.example.net:8080/?q=1", "https://www.example.net:8080/"},
		{"https://example.net:443", "https://example.net/"},
		{"http://[::1]:8080/ims/oneroster/v1p1/users", "http://[::1]:8080/ims/oneroster/v1p1/users"},
	}
	for _, tc := range cases {
		u, err := url.Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := BaseURI(u); got != tc.want {
			t.Errorf("BaseURI(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestPercentEncode(t *testing.T) {
	cases := []struct{ in, want string }{
		{"abcXYZ019-._~", "abcXYZ019-._~"},
		{"a b", "a%20b"},
		{"a+b", "a%2Bb"},
		{"status='active'", "status%3D%27active%27"},
		{"é/☃", "%C3%A9%2F%E2%98%83"},
		{"%", "%25"},
	}
	for _, tc := range cases {
		if got := PercentEncode(tc.in); got != tc.want {
			t.Errorf("PercentEncode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
