package fake

import (
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// fields= cuts every answer to the selection, as Google's partial
// responses do: a connector reading a field it did not ask for sees it
// empty here as against Google.
func TestPartialResponses(t *testing.T) {
	s := New(Options{School: Generate(2, 100), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	tok := token(t, s, s.Admin(), ScopeCoursesReadonly, ScopeRostersReadonly, ScopeProfileEmails)
	c := s.Courses()[0]
	keysOf := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	cases := []struct {
		path, fields string
		top          []string
		list         string
		item         []string
	}{
		{"/v1/courses?pageSize=2", "courses(id,name),nextPageToken", []string{"courses", "nextPageToken"}, "courses", []string{"id", "name"}},
		{"/v1/courses/" + c.ID, "id,courseState", []string{"courseState", "id"}, "", nil},
		{"/v1/courses/" + c.ID + "/teachers", "teachers(userId,profile/emailAddress)", []string{"teachers"}, "teachers", []string{"profile", "userId"}},
		{"/v1/userProfiles/" + c.OwnerID, "id", []string{"id"}, "", nil},
	}
	for _, tc := range cases {
		var body map[string]any
		sep := "?"
		if strings.Contains(tc.path, "?") {
			sep = "&"
		}
		if code := get(t, s, tok, tc.path+sep+"fields="+url.QueryEscape(tc.fields), &body); code != 200 {
			t.Errorf("%s fields=%s: %d", tc.path, tc.fields, code)
			continue
		}
		if got := keysOf(body); !reflect.DeepEqual(got, tc.top) {
			t.Errorf("%s fields=%s: keys %v, want %v", tc.path, tc.fields, got, tc.top)
		}
		if tc.list != "" {
			items, _ := body[tc.list].([]any)
			first, _ := items[0].(map[string]any)
			if got := keysOf(first); !reflect.DeepEqual(got, tc.item) {
				t.Errorf("%s fields=%s: item keys %v, want %v", tc.path, tc.fields, got, tc.item)
			}
		}
	}
	if code := get(t, s, tok, "/v1/courses?fields="+url.QueryEscape("courses(id"), nil); code != 400 {
		t.Errorf("a broken field selection got %d, want 400", code)
	}
}
