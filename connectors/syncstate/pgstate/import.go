package pgstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

// ErrNotEmpty: Import into a database that already holds sync state.
var ErrNotEmpty = errors.New("the database already holds sync state")

// ImportCounts says what Import copied.
type ImportCounts struct {
	Deployments int `json:"deployments"` // deployments with runs
	Runs        int `json:"runs"`
	Plans       int `json:"plans"`
	RunTime     int `json:"run_time_deployments"`
	Health      int `json:"health"`
	Windows     int `json:"windows"`
}

// Import copies a sync state (from the bbolt backend's Export) into an
// empty database, in one transaction: run and plan IDs, last successes,
// decided and pending plans, run-time deployments, quarantine and window
// marks, so the next run of each deployment gets the ID it would have had.
// A database already holding sync state is refused with ErrNotEmpty.
func (s *State) Import(ctx context.Context, e *syncstate.Export) (ImportCounts, error) {
	var n ImportCounts
	err := s.update(ctx, func(tx pgx.Tx) error {
		// Serialise with another import and with writers that create heads.
		if _, err := tx.Exec(ctx, `LOCK TABLE syncstate_run_heads, syncstate_plan_heads, syncstate_deployments, syncstate_health, syncstate_windows IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM syncstate_run_heads) OR EXISTS (SELECT 1 FROM syncstate_plan_heads)
			OR EXISTS (SELECT 1 FROM syncstate_deployments) OR EXISTS (SELECT 1 FROM syncstate_health) OR EXISTS (SELECT 1 FROM syncstate_windows)`).Scan(&used); err != nil {
			return err
		}
		if used {
			return ErrNotEmpty
		}
		for _, dr := range e.Runs {
			var last any
			if dr.LastSuccess != nil {
				v, err := json.Marshal(dr.LastSuccess)
				if err != nil {
					return err
				}
				last = string(v)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO syncstate_run_heads (deployment, last_id, last_success) VALUES ($1, $2, $3)`, dr.Deployment, int64(dr.LastID), last); err != nil {
				return fmt.Errorf("deployment %q: %w", dr.Deployment, err)
			}
			for _, r := range dr.Runs {
				if r.Deployment != dr.Deployment || r.ID == 0 || r.ID > dr.LastID {
					return fmt.Errorf("deployment %q: run %d (of %q) does not belong to it", dr.Deployment, r.ID, r.Deployment)
				}
				v, err := json.Marshal(r)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO syncstate_runs (deployment, id, result, record) VALUES ($1, $2, $3, $4)`, r.Deployment, int64(r.ID), string(r.Result), string(v)); err != nil {
					return fmt.Errorf("deployment %q run %d: %w", dr.Deployment, r.ID, err)
				}
				n.Runs++
			}
			n.Deployments++
		}
		for _, dp := range e.Plans {
			if len(dp.Seqs) != len(dp.Plans) {
				return fmt.Errorf("deployment %q: %d plans, %d sequence numbers", dp.Deployment, len(dp.Plans), len(dp.Seqs))
			}
			if _, err := tx.Exec(ctx, `INSERT INTO syncstate_plan_heads (deployment, last_seq) VALUES ($1, $2)`, dp.Deployment, int64(dp.LastSeq)); err != nil {
				return fmt.Errorf("deployment %q: %w", dp.Deployment, err)
			}
			for i, p := range dp.Plans {
				v, err := json.Marshal(p)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO syncstate_plans (id, deployment, seq, status, record) VALUES ($1, $2, $3, $4, $5)`,
					p.ID, dp.Deployment, int64(dp.Seqs[i]), p.Status, string(v)); err != nil {
					return fmt.Errorf("plan %s of deployment %q: %w", p.ID, dp.Deployment, err)
				}
				n.Plans++
			}
		}
		for _, d := range e.Deployments {
			v, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO syncstate_deployments (name, record) VALUES ($1, $2)`, d.Name, string(v)); err != nil {
				return fmt.Errorf("run-time deployment %s: %w", d.Name, err)
			}
			n.RunTime++
		}
		for _, h := range e.Health {
			v, err := json.Marshal(h)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO syncstate_health (deployment, record) VALUES ($1, $2)`, h.Deployment, string(v)); err != nil {
				return fmt.Errorf("health of %s: %w", h.Deployment, err)
			}
			n.Health++
		}
		for _, m := range e.Windows {
			v, err := json.Marshal(m)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO syncstate_windows (deployment, record) VALUES ($1, $2)`, m.Deployment, string(v)); err != nil {
				return fmt.Errorf("window mark of %s: %w", m.Deployment, err)
			}
			n.Windows++
		}
		return nil
	})
	if err != nil {
		return ImportCounts{}, fmt.Errorf("import sync state into %s: %w", s.where, err)
	}
	return n, nil
}

// ImportBolt copies the bbolt sync state file at path (syncstate.db, or the
// copy in a 'rollcall backup' folder) with Import. The file must not be
// held by a running process.
func (s *State) ImportBolt(ctx context.Context, path string) (ImportCounts, error) {
	if _, err := os.Stat(path); err != nil {
		return ImportCounts{}, fmt.Errorf("import sync state: %w", err)
	}
	src, err := syncstate.Open(path, syncstate.Options{})
	if err != nil {
		return ImportCounts{}, err
	}
	defer src.Close()
	e, err := src.Export(ctx)
	if err != nil {
		return ImportCounts{}, err
	}
	return s.Import(ctx, e)
}
