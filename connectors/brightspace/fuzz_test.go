package brightspace

import (
	"encoding/json"
	"testing"
)

// parseUnit never panics, and whatever it accepts is a known kind with a
// numeric id.
func FuzzParseUnit(f *testing.F) {
	for _, s := range []string{"orgunit:6606", "offering:10001", "section:20002", "orgunit:", "course:1", "offering:-1", "section:1e3", "OrgUnit: 7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := parseUnit(s)
		if err != nil {
			return
		}
		if (u.kind != "orgunit" && u.kind != "offering" && u.kind != "section") || !digits(u.id) {
			t.Fatalf("parseUnit(%q) = %+v", s, u)
		}
	})
}

// A page of enrollments decodes or fails, never panics, and ids sent as
// strings or numbers read the same.
func FuzzOrgUnitUserPage(f *testing.F) {
	for _, s := range []string{
		`{"PagingInfo":{"Bookmark":"x","HasMoreItems":true},"Items":[{"User":{"Identifier":"12","DisplayName":"A B","EmailAddress":null},"Role":{"Id":110,"Name":"Student"}}]}`,
		`{"PagingInfo":null,"Items":[{"User":{"Identifier":12},"Role":{"Id":"110"}}]}`,
		`{"Items":[{"User":{"Identifier":"x"}}]}`, `[]`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var page pagedResultSet[orgUnitUser]
		_ = json.Unmarshal(b, &page)
	})
}
