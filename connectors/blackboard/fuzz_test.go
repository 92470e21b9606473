package blackboard

import (
	"strings"
	"testing"
)

// parseUnit never panics, and whatever it accepts is kind:id with a known
// kind and an id of Learn's forms.
func FuzzParseUnit(f *testing.F) {
	for _, s := range []string{"course:_12_1", "course:courseId:ALG-1", "term:externalId:2026-FA", "datasource:_2_1",
		"course:", ":_1_1", "course:uuid:", "Course:_1_1", "term:_1_", "datasource:externalId:a:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := parseUnit(s)
		if err != nil {
			return
		}
		if _, ok := secondary[u.kind]; !ok || u.id == "" {
			t.Fatalf("parseUnit(%q) = %+v", s, u)
		}
		if !primaryID.MatchString(u.id) && !strings.Contains(u.id, ":") {
			t.Fatalf("parseUnit(%q) accepted id %q", s, u.id)
		}
	})
}

// learnMessage never panics and never returns more than its clip.
func FuzzLearnMessage(f *testing.F) {
	for _, s := range []string{`{"status":404,"message":"Course not found"}`, `{"error":"invalid_client","error_description":"Invalid client credentials"}`,
		`{"status":400,"message":"x","developerMessage":"y"}`, "plain", "<html>", `{"message":123}`} {
		f.Add([]byte(s), "application/json")
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		if m := learnMessage(body, ct); len([]rune(m)) > 301 {
			t.Fatalf("message of %d runes", len([]rune(m)))
		}
	})
}
