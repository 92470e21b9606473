package fakeauth

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestFieldMask(t *testing.T) {
	body := `{"nextPageToken":"t","students":[{"courseId":"1","userId":"2","profile":{"id":"2","emailAddress":"a@b","name":{"fullName":"A B","givenName":"A"}}}]}`
	cases := []struct {
		fields string
		want   string
		bad    bool
	}{
		{"", body, false},
		{"nextPageToken", `{"nextPageToken":"t"}`, false},
		{"students(userId,profile/emailAddress)", `{"students":[{"userId":"2","profile":{"emailAddress":"a@b"}}]}`, false},
		{"nextPageToken,students(profile(name/fullName))", `{"nextPageToken":"t","students":[{"profile":{"name":{"fullName":"A B"}}}]}`, false},
		{"students/userId", `{"students":[{"userId":"2"}]}`, false},
		{"students(", "", true},
		{"a,,b", "", true},
		{"a)", "", true},
		{"a//b", "", true},
	}
	for _, tc := range cases {
		m, err := ParseFields(tc.fields)
		if (err != nil) != tc.bad {
			t.Errorf("ParseFields(%q) error %v, want error %v", tc.fields, err, tc.bad)
			continue
		}
		if tc.bad {
			continue
		}
		var v, want any
		_ = json.Unmarshal([]byte(body), &v)
		_ = json.Unmarshal([]byte(tc.want), &want)
		if got := m.Prune(v); !reflect.DeepEqual(got, want) {
			t.Errorf("fields=%s: %v, want %v", tc.fields, got, want)
		}
	}
}

func FuzzParseFields(f *testing.F) {
	for _, s := range []string{"a,b(c,d/e),f", "students(profile(name/fullName))", "(", ")", "a/", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseFields(s)
		if err == nil {
			var v any = map[string]any{"a": []any{map[string]any{"b": 1}}}
			_ = m.Prune(v)
		}
	})
}
