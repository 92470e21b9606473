package pgstate_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
)

// TestImportContinuesWhereBoltLeftOff: a bbolt state built by the parity
// sequence is imported into an empty database; from then on the bbolt
// file and the imported database answer every call alike, so run IDs,
// plan sequences, last successes, trimming and the open plans carried
// over exactly.
func TestImportContinuesWhereBoltLeftOff(t *testing.T) {
	for _, seed := range []uint64{4, 5} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			ctx := t.Context()
			p := parity{t: t, rng: rand.New(rand.NewPCG(seed, 99)), pgURL: testDatabase(t), boltPath: filepath.Join(t.TempDir(), "syncstate.db")}
			p.open()
			for step := range 300 {
				p.step = step
				p.compare(p.op())
			}
			exp, err := p.bolt.(*syncstate.State).Export(ctx)
			if err != nil {
				t.Fatal(err)
			}
			p.close()

			p.pgURL = testDatabase(t)
			dst, err := pgstate.Open(ctx, p.pgURL, pgstate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			n, err := dst.ImportBolt(ctx, p.boltPath)
			if err != nil {
				t.Fatal(err)
			}
			if n.Runs == 0 || n.Plans == 0 || n.Deployments == 0 {
				t.Fatalf("imported %+v; the sequence should have left runs and plans", n)
			}
			if _, err := dst.Import(ctx, exp); !errors.Is(err, pgstate.ErrNotEmpty) {
				t.Fatalf("a second import = %v; want ErrNotEmpty", err)
			}
			_ = dst.Close()

			p.open()
			defer p.close()
			for step := 300; step < 500; step++ {
				p.step = step
				p.compare(p.op())
			}
		})
	}
}

func TestImportBoltMissingFile(t *testing.T) {
	s := openN(t, testDatabase(t), 1, pgstate.Options{})[0]
	missing := filepath.Join(t.TempDir(), "nope", "syncstate.db")
	if _, err := s.ImportBolt(t.Context(), missing); err == nil {
		t.Fatal("importing a missing file succeeded")
	}
}
