package errbody

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMessage(t *testing.T) {
	long := strings.Repeat("é", MaxRunes+20)
	for _, tc := range []struct {
		name, body, ct string
		fields         []string
		want           string
	}{
		{"first field wins", `{"message":"m","error":"e"}`, "application/json", []string{"message", "error"}, "m"},
		{"order is the caller's", `{"message":"m","error":"e"}`, "application/json", []string{"error", "message"}, "e"},
		{"empty field skipped", `{"message":"","error_description":"d"}`, "application/json", []string{"message", "error_description"}, "d"},
		{"non-string field skipped", `{"message":123,"error":"e"}`, "application/json", []string{"message", "error"}, "e"},
		{"case-insensitive like encoding/json", `{"Message":"M"}`, "application/json", []string{"message"}, "M"},
		{"exact name preferred", `{"MESSAGE":"upper","Message":"exact"}`, "application/json", []string{"Message"}, "exact"},
		{"json without the fields falls to text", `{"other":"x"}`, "text/plain", []string{"message"}, `{"other":"x"}`},
		{"json without the fields, json type", `{"other":"x"}`, "application/json", []string{"message"}, ""},
		{"plain text trimmed", "  slow down \n", "text/plain; charset=utf-8", []string{"message"}, "slow down"},
		{"html named, not quoted", "<html><body>502</body></html>", "text/html", []string{"message"}, HTMLPage},
		{"unknown type says nothing", "binary", "application/octet-stream", []string{"message"}, ""},
		{"json array is not an object", `["message"]`, "application/json", []string{"message"}, ""},
		{"field clipped", `{"message":"` + long + `"}`, "application/json", []string{"message"}, strings.Repeat("é", MaxRunes) + "…"},
		{"text clipped", long, "text/plain", nil, strings.Repeat("é", MaxRunes) + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Message([]byte(tc.body), tc.ct, tc.fields...); got != tc.want {
				t.Fatalf("Message(%q, %q, %q) = %q, want %q", tc.body, tc.ct, tc.fields, got, tc.want)
			}
		})
	}
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"", ""},
		{"short", "short"},
		{strings.Repeat("a", MaxRunes), strings.Repeat("a", MaxRunes)},
		{strings.Repeat("a", MaxRunes+1), strings.Repeat("a", MaxRunes) + "…"},
		{strings.Repeat("日", MaxRunes+1), strings.Repeat("日", MaxRunes) + "…"},
	} {
		if got := Clip(tc.in); got != tc.want {
			t.Errorf("Clip(%d runes) = %d runes, want %d", utf8.RuneCountInString(tc.in), utf8.RuneCountInString(got), utf8.RuneCountInString(tc.want))
		}
	}
}

// Message never panics and never returns more than MaxRunes and the
// ellipsis, whatever the body.
func FuzzMessage(f *testing.F) {
	for _, s := range []string{`{"message":"Course not found"}`, `{"error":"invalid_client","error_description":"bad"}`,
		`{"Message":{"nested":1}}`, "plain", "<html>", `{"message":123}`, `null`, `[]`, `{"message":"\ud800"}`} {
		f.Add([]byte(s), "application/json")
		f.Add([]byte(s), "text/plain")
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		if m := Message(body, ct, "message", "error_description", "error"); utf8.RuneCountInString(m) > MaxRunes+1 {
			t.Fatalf("message of %d runes", utf8.RuneCountInString(m))
		}
	})
}
