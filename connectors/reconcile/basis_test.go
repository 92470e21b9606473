package reconcile

import (
	"context"
	"testing"
)

// TestBasisMatchesSequentialHash checks the chunked, concurrent Basis
// against hashPeople, a plain sequential hash of the same records: once a
// sync has written a roster, the source's claims are exactly the
// snapshot's people, so Basis, the next plan's Basis and the snapshot hash
// must all agree, for rosters from empty to many chunks long.
func TestBasisMatchesSequentialHash(t *testing.T) {
	tests := []struct {
		name string
		n    int
	}{
		{"empty", 0},
		{"one", 1},
		{"under a chunk", 700},
		{"many chunks", 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openStore(t)
			createLicense(t, s, "lic", tt.n+10, testNow.AddDate(1, 0, 0))
			d := deployment("lic", "district")
			src := paged(roster(0, tt.n, "student"), 500)
			syncOnce(t, s, d, src)
			snap, err := Collect(ctx, src, d.Selection)
			if err != nil {
				t.Fatal(err)
			}
			if want := hashPeople(snap.People); snap.Hash != want {
				t.Fatalf("snapshot hash %s, want %s", snap.Hash, want)
			}
			got, err := Basis(ctx, s, "lic", d.Source())
			if err != nil {
				t.Fatal(err)
			}
			if got != snap.Hash {
				t.Fatalf("Basis %s, want the snapshot's hash %s", got, snap.Hash)
			}
			p, err := Build(ctx, s, d, snap, Options{Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			if p.Basis != snap.Hash || p.Counts.Unchanged != tt.n || !p.Empty() {
				t.Fatalf("plan basis %s (want %s), counts %+v", p.Basis, snap.Hash, p.Counts)
			}
		})
	}
}
