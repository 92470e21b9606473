package pgstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

// RecordRun stores r with the next run ID of its deployment and, in the
// same transaction, drops the runs more than the history limit behind it.
// A success or held run also becomes the deployment's last success.
func (s *State) RecordRun(ctx context.Context, r syncstate.Run) (syncstate.Run, error) {
	if err := r.Validate(); err != nil {
		return syncstate.Run{}, err
	}
	err := s.update(ctx, func(tx pgx.Tx) error {
		// The upsert locks the deployment's head row until commit: two
		// processes recording runs of one deployment take turns, and a
		// rollback hands the ID back.
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO syncstate_run_heads (deployment, last_id) VALUES ($1, 1)
			ON CONFLICT (deployment) DO UPDATE SET last_id = syncstate_run_heads.last_id + 1
			RETURNING last_id`, r.Deployment).Scan(&id); err != nil {
			return err
		}
		r.ID = uint64(id)
		if err := putRun(ctx, tx, r, true); err != nil {
			return err
		}
		// As bbolt does: everything more than limit behind the newest, so
		// a lowered limit shrinks an existing history at its next write.
		if cutoff := id - int64(s.limit); cutoff > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM syncstate_runs WHERE deployment = $1 AND id <= $2`, r.Deployment, cutoff); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return syncstate.Run{}, fmt.Errorf("record run of deployment %q in %s: %w", r.Deployment, s.where, err)
	}
	return r, nil
}

// BeginRun records r as running, with the next run ID, before any work:
// a process killed during the run leaves the record for Unfinished.
func (s *State) BeginRun(ctx context.Context, r syncstate.Run) (syncstate.Run, error) {
	r.Result, r.Ended = syncstate.ResultRunning, time.Time{}
	return s.RecordRun(ctx, r)
}

// UpdateRun rewrites the record of run r.ID of its deployment: progress of
// a running run, or its end. ErrNotFound when no such run is kept.
func (s *State) UpdateRun(ctx context.Context, r syncstate.Run) (syncstate.Run, error) {
	if err := r.Validate(); err != nil {
		return syncstate.Run{}, err
	}
	err := s.update(ctx, func(tx pgx.Tx) error {
		return putRun(ctx, tx, r, false)
	})
	if err != nil {
		return syncstate.Run{}, fmt.Errorf("update run of deployment %q in %s: %w", r.Deployment, s.where, err)
	}
	return r, nil
}

// putRun inserts (fresh) or rewrites r, and for a run whose changes were
// applied writes it as the deployment's last success too.
func putRun(ctx context.Context, tx pgx.Tx, r syncstate.Run, fresh bool) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if fresh {
		_, err = tx.Exec(ctx, `INSERT INTO syncstate_runs (deployment, id, result, record) VALUES ($1, $2, $3, $4)`,
			r.Deployment, int64(r.ID), string(r.Result), string(v))
		if err != nil {
			return err
		}
	} else {
		tag, err := tx.Exec(ctx, `UPDATE syncstate_runs SET result = $3, record = $4 WHERE deployment = $1 AND id = $2`,
			r.Deployment, int64(r.ID), string(r.Result), string(v))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("run %d: %w", r.ID, syncstate.ErrNotFound)
		}
	}
	if r.Result == syncstate.ResultSuccess || r.Result == syncstate.ResultHeld {
		_, err = tx.Exec(ctx, `UPDATE syncstate_run_heads SET last_success = $2 WHERE deployment = $1`, r.Deployment, string(v))
	}
	return err
}

// Run returns one run of a deployment by ID; ErrNotFound when it is not
// (or no longer) kept.
func (s *State) Run(ctx context.Context, deployment string, id uint64) (syncstate.Run, error) {
	var v []byte
	err := s.pool.QueryRow(ctx, `SELECT record FROM syncstate_runs WHERE deployment = $1 AND id = $2`, deployment, int64(id)).Scan(&v)
	if err == nil {
		var r syncstate.Run
		if err = decodeRun(id, v, &r); err == nil {
			return r, nil
		}
	}
	return syncstate.Run{}, fmt.Errorf("run of deployment %q in %s: %w", deployment, s.where, notFound(err, fmt.Sprintf("run %d", id)))
}

// Unfinished lists every kept run still marked running, of every
// deployment, in the order bbolt lists them (deployment name bytes, then
// ID), leaving out deployments whose lease a replica holds (see
// leases.go): their running run may be going on in that live replica.
// Without leases (one process) that is every running run, as with bbolt.
// A replica that takes a lease over recovers that deployment's runs with
// UnfinishedOf.
func (s *State) Unfinished(ctx context.Context) ([]syncstate.Run, error) {
	out, err := s.queryRuns(ctx, `SELECT r.id, r.record FROM syncstate_runs r
		WHERE r.result = 'running' AND NOT EXISTS (
			SELECT 1 FROM syncstate_leases l WHERE l.deployment = r.deployment AND l.expires_at > clock_timestamp())
		ORDER BY r.deployment COLLATE "C", r.id`)
	if err != nil {
		return nil, fmt.Errorf("unfinished runs in %s: %w", s.where, err)
	}
	return out, nil
}

// UnfinishedOf lists the deployment's runs still marked running, oldest
// first, whatever the leases: called by a replica right after it acquires
// the deployment's lease and before it begins a run, every one of them
// was left by an earlier holder and is to be recorded as interrupted.
func (s *State) UnfinishedOf(ctx context.Context, deployment string) ([]syncstate.Run, error) {
	out, err := s.queryRuns(ctx, `SELECT id, record FROM syncstate_runs WHERE deployment = $1 AND result = 'running' ORDER BY id`, deployment)
	if err != nil {
		return nil, fmt.Errorf("unfinished runs of deployment %q in %s: %w", deployment, s.where, err)
	}
	return out, nil
}

// Runs returns up to limit runs of the deployment, newest first; limit <= 0
// returns all that are kept. An unknown deployment has no runs.
func (s *State) Runs(ctx context.Context, deployment string, limit int) ([]syncstate.Run, error) {
	q := `SELECT id, record FROM syncstate_runs WHERE deployment = $1 ORDER BY id DESC`
	args := []any{deployment}
	if limit > 0 {
		q += ` LIMIT $2`
		args = append(args, limit)
	}
	out, err := s.queryRuns(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("runs of deployment %q in %s: %w", deployment, s.where, err)
	}
	return out, nil
}

// LastRun returns the deployment's newest run; false if it has none.
func (s *State) LastRun(ctx context.Context, deployment string) (syncstate.Run, bool, error) {
	out, err := s.queryRuns(ctx, `SELECT id, record FROM syncstate_runs WHERE deployment = $1 ORDER BY id DESC LIMIT 1`, deployment)
	if err != nil {
		return syncstate.Run{}, false, fmt.Errorf("last run of deployment %q in %s: %w", deployment, s.where, err)
	}
	if len(out) == 0 {
		return syncstate.Run{}, false, nil
	}
	return out[0], true, nil
}

// LastSuccess returns the deployment's newest run whose changes were
// applied (success or held), even if it has left the history; false if
// none ever was.
func (s *State) LastSuccess(ctx context.Context, deployment string) (syncstate.Run, bool, error) {
	var v []byte
	err := s.pool.QueryRow(ctx, `SELECT last_success FROM syncstate_run_heads WHERE deployment = $1`, deployment).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && v == nil) {
		return syncstate.Run{}, false, nil
	}
	var r syncstate.Run
	if err == nil {
		if err = json.Unmarshal(v, &r); err != nil {
			err = fmt.Errorf("last success: %w", err)
		}
	}
	if err != nil {
		return syncstate.Run{}, false, fmt.Errorf("last success of deployment %q in %s: %w", deployment, s.where, err)
	}
	return r, true, nil
}

func (s *State) queryRuns(ctx context.Context, q string, args ...any) ([]syncstate.Run, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (syncstate.Run, error) {
		var (
			id int64
			v  []byte
			r  syncstate.Run
		)
		if err := row.Scan(&id, &v); err != nil {
			return r, err
		}
		return r, decodeRun(uint64(id), v, &r)
	})
	return orNil(out), err
}

func decodeRun(id uint64, v []byte, r *syncstate.Run) error {
	if err := json.Unmarshal(v, r); err != nil {
		return fmt.Errorf("run %d: %w", id, err)
	}
	return nil
}
