package postgres

import (
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

func TestClaimCodec(t *testing.T) {
	t0 := time.Date(2025, 9, 1, 8, 30, 0, 123456789, time.UTC)
	claims := []license.Claim{
		{Source: "google-directory/hs", FirstSeen: t0, LastSeen: t0.Add(time.Hour), Name: "Zoë Müller", Role: license.RoleTeacher,
			OrgUnit: "/Staff", ExternalID: "42", Attrs: map[string]string{"grade": "9", "school": "hs", "": "empty key"}},
		{Source: license.SourceManual, FirstSeen: t0, LastSeen: t0, Leaving: t0.AddDate(0, 0, 30), LeavingRevokes: true},
		{Source: "csv:u1"},
	}
	got, err := decodeClaims(encodeClaims(claims))
	if err != nil || len(got) != len(claims) {
		t.Fatalf("decodeClaims = %+v, %v", got, err)
	}
	for i := range claims {
		want := &claims[i]
		var one license.Claim
		if err := decodeClaim(encodeClaim(want), &one); err != nil {
			t.Fatal(err)
		}
		one.Source = want.Source
		for _, c := range []*license.Claim{&got[i], &one} {
			if c.Source != want.Source || !c.SameAttributes(want) || !c.FirstSeen.Equal(want.FirstSeen) || !c.LastSeen.Equal(want.LastSeen) {
				t.Errorf("claim %d round trip: %+v, want %+v", i, *c, *want)
			}
		}
	}
	// Map order varies from one range to the next: encode often.
	first := string(encodeClaim(&claims[0]))
	for range 20 {
		if again := string(encodeClaim(&claims[0])); again != first {
			t.Fatal("one claim encodes two ways: an unchanged claim would be rewritten")
		}
	}
	full := encodeClaims(claims)
	for n := range len(full) {
		if _, err := decodeClaims(full[:n]); err == nil {
			t.Fatalf("a claims blob cut to %d of %d bytes decoded without error", n, len(full))
		}
	}
	if _, err := decodeClaims(append(full, 0)); err == nil {
		t.Error("a claims blob with trailing bytes decoded without error")
	}
}
