package pgstate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
	"github.com/rollcall-sync/rollcall/license"
)

// TestParityWithBolt drives the bbolt backend and this one through the same
// seeded random sequence of every Backend call (runs beyond a small history
// limit, plans superseded, decided twice, IDs reused after trimming, ties
// of creation time, deployments, health, window marks, reopens) and
// requires the same answer from both at every step: same records, same
// order, same kind of error. statetest checks the rules; this checks that
// the two backends are interchangeable where statetest says nothing.
func TestParityWithBolt(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			pgURL := testDatabase(t)
			boltPath := filepath.Join(t.TempDir(), "syncstate.db")
			p := parity{t: t, rng: rand.New(rand.NewPCG(seed, 17)), pgURL: pgURL, boltPath: boltPath}
			p.open()
			defer p.close()
			for step := range 500 {
				p.step = step
				p.compare(p.op())
			}
			if p.kinds["ErrNotFound"] == 0 || p.kinds["ErrExists"] == 0 || p.kinds["ErrNotPending"] == 0 || p.kinds["FieldError"] == 0 {
				t.Errorf("the sequence never reached some error paths: %v", p.kinds)
			}
		})
	}
}

const parityLimit = 4 // small, so trimming of runs and plans happens often

var parityT0 = time.Date(2026, 9, 1, 7, 0, 0, 0, time.UTC)

type parity struct {
	t        *testing.T
	rng      *rand.Rand
	pgURL    string
	boltPath string
	bolt, pg syncstate.Backend
	step     int
	kinds    map[string]int
}

// now is both backends' clock: it moves with the step, not with the
// number of calls, and often stands still so creation times tie.
func (p *parity) now() time.Time { return parityT0.Add(time.Duration(p.step/25) * time.Minute) }

func (p *parity) open() {
	p.t.Helper()
	b, err := syncstate.Open(p.boltPath, syncstate.Options{HistoryLimit: parityLimit, Now: p.now})
	if err != nil {
		p.t.Fatal(err)
	}
	s, err := pgstate.Open(p.t.Context(), p.pgURL, pgstate.Options{HistoryLimit: parityLimit, Now: p.now})
	if err != nil {
		p.t.Fatal(err)
	}
	p.bolt, p.pg = b, s
	if p.kinds == nil {
		p.kinds = map[string]int{}
	}
}

func (p *parity) close() {
	if err := errors.Join(p.bolt.Close(), p.pg.Close()); err != nil {
		p.t.Fatal(err)
	}
}

// call is one Backend call, made on each backend in turn.
type call struct {
	name string
	do   func(b syncstate.Backend) (any, error)
}

func (p *parity) compare(c call) {
	p.t.Helper()
	if c.do == nil { // a reopen
		return
	}
	bv, berr := c.do(p.bolt)
	pv, perr := c.do(p.pg)
	bk, pk := errKind(berr), errKind(perr)
	p.kinds[bk]++
	bj, _ := json.Marshal(bv)
	pj, _ := json.Marshal(pv)
	if bk != pk || string(bj) != string(pj) {
		p.t.Fatalf("step %d %s:\n bolt: %s (%v)\n   pg: %s (%v)", p.step, c.name, bj, berr, pj, perr)
	}
	if bk == "other" {
		p.t.Fatalf("step %d %s: unexpected error: bolt %v, pg %v", p.step, c.name, berr, perr)
	}
}

func errKind(err error) string {
	var fe *license.FieldError
	switch {
	case err == nil:
		return "nil"
	case errors.Is(err, syncstate.ErrNotFound):
		return "ErrNotFound"
	case errors.Is(err, syncstate.ErrExists):
		return "ErrExists"
	case errors.Is(err, syncstate.ErrNotPending):
		return "ErrNotPending"
	case errors.As(err, &fe):
		return "FieldError"
	case err.Error() != "" && isDeploymentError(err):
		return "DeploymentInvalid"
	}
	return "other"
}

// isDeploymentError: connectors.Deployment.Validate's plain errors.
func isDeploymentError(err error) bool {
	d := connectors.Deployment{Name: "Bad Name"}
	want := d.Validate().Error()
	return err.Error() == "store run-time deployment: "+want
}

var (
	parityDeps     = []string{"hs", "ms", "es"}
	parityResults  = []syncstate.Result{syncstate.ResultSuccess, syncstate.ResultFailed, syncstate.ResultHeld, syncstate.ResultGuarded, syncstate.ResultSkipped, syncstate.ResultRunning, "bogus"}
	parityTriggers = []string{syncstate.TriggerSchedule, syncstate.TriggerManual, syncstate.TriggerApproval, "cron"}
	parityStatuses = []string{syncstate.StatusApproved, syncstate.StatusRejected, syncstate.StatusSuperseded, "maybe"}
)

func (p *parity) pick(n int) int { return p.rng.IntN(n) }

func (p *parity) run() syncstate.Run {
	started := p.now()
	return syncstate.Run{
		ID:         uint64(1 + p.pick(12)),
		Deployment: parityDeps[p.pick(len(parityDeps))],
		Connector:  "roster",
		Trigger:    parityTriggers[p.pick(len(parityTriggers))],
		Started:    started,
		Ended:      started.Add(time.Duration(p.pick(90)) * time.Second),
		Result:     parityResults[p.pick(len(parityResults))],
		Counts:     syncstate.Counts{Desired: p.pick(500), Added: p.pick(50), Removed: p.pick(5)},
		Guard:      []string{"", "deletion_limit"}[p.pick(2)],
	}
}

func (p *parity) op() call {
	ctx := context.Background()
	dep := parityDeps[p.pick(len(parityDeps))]
	switch p.pick(20) {
	case 0, 1, 2:
		r := p.run()
		return call{"RecordRun", func(b syncstate.Backend) (any, error) { return b.RecordRun(ctx, r) }}
	case 3, 4:
		r := p.run()
		return call{"BeginRun", func(b syncstate.Backend) (any, error) { return b.BeginRun(ctx, r) }}
	case 5, 6:
		r := p.run()
		return call{"UpdateRun", func(b syncstate.Backend) (any, error) { return b.UpdateRun(ctx, r) }}
	case 7:
		id := uint64(1 + p.pick(12))
		return call{"Run", func(b syncstate.Backend) (any, error) { return b.Run(ctx, dep, id) }}
	case 8:
		n := p.pick(6)
		return call{"Runs", func(b syncstate.Backend) (any, error) { return b.Runs(ctx, dep, n) }}
	case 9:
		return call{"LastRun+LastSuccess+Unfinished", func(b syncstate.Backend) (any, error) {
			lr, lok, err1 := b.LastRun(ctx, dep)
			ls, sok, err2 := b.LastSuccess(ctx, dep)
			un, err3 := b.Unfinished(ctx)
			return []any{lr, lok, ls, sok, un}, errors.Join(err1, err2, err3)
		}}
	case 10, 11, 12:
		pl := syncstate.Pending{
			ID:         fmt.Sprintf("plan-%02d", p.pick(12)),
			Deployment: dep,
			Removals:   p.pick(40) - 2,
			Summary:    "held",
			Plan:       json.RawMessage(`{"z": 1, "a": [2, 3], "deployment": "` + dep + `"}`),
			Status:     syncstate.StatusApproved, // reset by PutPending
		}
		if p.pick(2) == 0 {
			pl.Created = p.now().Add(-time.Duration(p.pick(3)) * time.Minute)
		}
		return call{"PutPending", func(b syncstate.Backend) (any, error) { return b.PutPending(ctx, pl) }}
	case 13:
		id := fmt.Sprintf("plan-%02d", p.pick(12))
		return call{"GetPending", func(b syncstate.Backend) (any, error) { return b.GetPending(ctx, id) }}
	case 14:
		d := []string{"", dep}[p.pick(2)]
		all := p.pick(2) == 0
		return call{"ListPending", func(b syncstate.Backend) (any, error) { return b.ListPending(ctx, d, all) }}
	case 15:
		id := fmt.Sprintf("plan-%02d", p.pick(12))
		st := parityStatuses[p.pick(len(parityStatuses))]
		by := "ada"
		if p.pick(8) == 0 {
			by = ""
		}
		return call{"DecidePending", func(b syncstate.Backend) (any, error) { return nil, b.DecidePending(ctx, id, st, by) }}
	case 16:
		name := []string{"ou-a", "ou-b", "Bad Name"}[p.pick(3)]
		d := connectors.Deployment{Name: name, Connector: "gdir", License: fmt.Sprint("l", p.pick(3)), RunTime: true, Created: p.now()}
		if p.pick(3) == 0 {
			return call{"DeleteDeployment", func(b syncstate.Backend) (any, error) { return nil, b.DeleteDeployment(ctx, name) }}
		}
		return call{"PutDeployment+Deployments", func(b syncstate.Backend) (any, error) {
			err := b.PutDeployment(ctx, d)
			ds, lerr := b.Deployments(ctx)
			return ds, errors.Join(err, lerr)
		}}
	case 17:
		fail := p.pick(3) != 0
		at := p.now()
		return call{"UpdateHealth+Health", func(b syncstate.Backend) (any, error) {
			h, err := b.UpdateHealth(ctx, dep, func(h *syncstate.Health) {
				if !fail {
					*h = syncstate.Health{}
					return
				}
				h.Failures++
				h.LastError = "source down"
				if h.Failures >= 3 {
					h.Quarantined, h.Since, h.Until, h.Level = true, at, at.Add(6*time.Hour), h.Level+1
				}
			})
			got, gerr := b.Health(ctx, dep)
			return []syncstate.Health{h, got}, errors.Join(err, gerr)
		}}
	case 18:
		m := syncstate.WindowMark{Deployment: dep, Window: "winter", Kind: "blackout", Ends: p.now().Add(48 * time.Hour), Baseline: p.pick(900)}
		switch p.pick(3) {
		case 0:
			return call{"PutWindowMark", func(b syncstate.Backend) (any, error) { return nil, b.PutWindowMark(ctx, m) }}
		case 1:
			return call{"ClearWindowMark", func(b syncstate.Backend) (any, error) { return nil, b.ClearWindowMark(ctx, dep) }}
		}
		return call{"WindowMark", func(b syncstate.Backend) (any, error) {
			m, ok, err := b.WindowMark(ctx, dep)
			return []any{m, ok}, err
		}}
	}
	// Reopen both, as a restarted process would.
	p.close()
	p.open()
	return call{name: "reopen"}
}
