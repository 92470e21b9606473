package reconcile

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// batchCounter is a real store that notes the size of every Apply batch.
type batchCounter struct {
	license.Store
	sizes []int
}

func (b *batchCounter) Apply(ctx context.Context, licenseID string, changes []license.Change, opts license.ApplyOptions) (license.ApplyResult, error) {
	b.sizes = append(b.sizes, len(changes))
	return b.Store.Apply(ctx, licenseID, changes, opts)
}

// TestScatteredChangesGoInSmallBatches: adds into a first sync keep the
// batch size (their keys are in email order and share pages), while
// updates, removals and adds spread over existing claims go in batches of
// at most ScatteredBatchSize, which bounds a transaction's memory.
func TestScatteredChangesGoInSmallBatches(t *testing.T) {
	ctx := context.Background()
	bc := &batchCounter{Store: openStore(t)}
	createLicense(t, bc, "lic", 10000, time.Time{})
	d := deployment("lic", "hs")
	d.MaxUpdatePercent = 100
	apply := func(n int, role license.Role) Result {
		t.Helper()
		snap, err := Collect(ctx, paged(roster(0, n, role), 500), d.Selection)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Build(ctx, bc, d, snap, Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		bc.sizes = nil
		res, err := Apply(ctx, bc, p, ApplyOptions{Now: testNow, BatchSize: 5000})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := apply(3000, license.RoleStudent); res.MembersAdded != 3000 || !slices.Equal(bc.sizes, []int{3000}) {
		t.Fatalf("first sync: added %d in batches %v, want 3000 in one batch", res.MembersAdded, bc.sizes)
	}
	if res := apply(3000, license.RoleTeacher); res.ClaimsUpdated != 3000 || !slices.Equal(bc.sizes, []int{1000, 1000, 1000}) {
		t.Fatalf("updates: %d in batches %v, want 3 of 1000", res.ClaimsUpdated, bc.sizes)
	}
	if res := apply(4500, license.RoleTeacher); res.MembersAdded != 1500 || !slices.Equal(bc.sizes, []int{1000, 500}) {
		t.Fatalf("adds fewer than the claims: %d in batches %v, want 1000 and 500", res.MembersAdded, bc.sizes)
	}
}
