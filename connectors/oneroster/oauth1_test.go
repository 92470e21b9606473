package oneroster

import (
	"net/url"
	"testing"
)

// RFC 5849 §3.4.1's worked example, with the body's parameters moved to
// the query (the connector only sends GETs): the normalized parameters
// and base string the RFC prints.
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
	got, err := signatureBase("post", u, oauth)
	if err != nil {
		t.Fatal(err)
	}
	want := "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
	if got != want {
		t.Errorf("base string\n got %s\nwant %s", got, want)
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
		if got := baseURI(u); got != tc.want {
			t.Errorf("baseURI(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestPercentEncode(t *testing.T) {
	cases := []struct{ in, want string }{
		{"abcXYZ019-._~", "abcXYZ019-._~"},
		{"a b", "a%20b"},
		{"a+b", "a%2Bb"},
		{"status='active'", "status%3D%27active%27"},
		{"dateLastModified>'2025-01-01T00:00:00.000Z'", "dateLastModified%3E%272025-01-01T00%3A00%3A00.000Z%27"},
		{"é/☃", "%C3%A9%2F%E2%98%83"},
		{"%", "%25"},
	}
	for _, tc := range cases {
		if got := percentEncode(tc.in); got != tc.want {
			t.Errorf("percentEncode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
