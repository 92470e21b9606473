package syncstate

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

// Result is the outcome of one run.
type Result string

// Results of a run.
const (
	ResultSuccess Result = "success" // the plan was applied in full
	ResultFailed  Result = "failed"  // the source or the store failed; Counts say what was committed before
	ResultSkipped Result = "skipped" // the run did not start: Reason says why (still running, quarantine, blackout)
	ResultHeld    Result = "held"    // a guard (Guard) kept some changes back as the pending plan PlanID
	ResultGuarded Result = "guarded" // a guard (Guard) stopped the run: nothing was removed
	// ResultRunning marks a run that has begun and not finished. A record
	// still running when the process starts again was cut short (kill -9,
	// power loss) and becomes ResultInterrupted.
	ResultRunning     Result = "running"
	ResultInterrupted Result = "interrupted" // found unfinished at start-up; Counts are what the store shows applied
)

// Results lists every result a finished run can have, for label sets.
var Results = []Result{ResultSuccess, ResultFailed, ResultSkipped, ResultHeld, ResultGuarded, ResultInterrupted}

// Valid reports whether r is a known result (running included).
func (r Result) Valid() bool {
	switch r {
	case ResultSuccess, ResultFailed, ResultSkipped, ResultHeld, ResultGuarded, ResultRunning, ResultInterrupted:
		return true
	}
	return false
}

// Finished reports whether r is the result of a run that ended.
func (r Result) Finished() bool { return r.Valid() && r != ResultRunning }

// What started a run.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
	TriggerStartup  = "startup"
	TriggerApproval = "approval"
)

// Counts are the sizes of one run: the people the source named, and the
// changes applied or held.
type Counts struct {
	Desired      int `json:"desired"`       // people in the source snapshot
	Added        int `json:"added"`         // claims added
	Updated      int `json:"updated"`       // claims whose name, role or org unit changed
	Removed      int `json:"removed"`       // claims removed
	Overflow     int `json:"overflow"`      // adds that did not fit the seats
	Skipped      int `json:"skipped"`       // people without a usable email
	HeldRemovals int `json:"held_removals"` // removals held for approval
	HeldUpdates  int `json:"held_updates"`  // updates held for approval (update-storm guard)
	Refused      int `json:"refused"`       // changes a guard or the mode dropped (empty source, add-only)
	Leaving      int `json:"leaving"`       // members marked leaving instead of removed (grace period)
	Restored     int `json:"restored"`      // leaving members claimed again
}

// Run is the record of one sync of one deployment.
type Run struct {
	ID           uint64    `json:"id"` // per deployment, increasing; set by RecordRun
	Deployment   string    `json:"deployment"`
	Connector    string    `json:"connector"`
	Trigger      string    `json:"trigger"` // schedule, manual, startup or approval
	Started      time.Time `json:"started"`
	Ended        time.Time `json:"ended"`
	Result       Result    `json:"result"`
	Counts       Counts    `json:"counts"`
	Error        string    `json:"error,omitempty"`
	SnapshotHash string    `json:"snapshot_hash,omitempty"` // hash of the source snapshot, to spot an unchanged source
	PlanID       string    `json:"plan_id,omitempty"`       // the pending plan a held run created
	// Guard names the guard that held changes back or stopped the run
	// (deletion_limit, update_storm, empty_source, calendar).
	Guard string `json:"guard,omitempty"`
	// Reason says in words why a run was held, guarded or skipped.
	Reason string `json:"reason,omitempty"`
	Mode   string `json:"mode,omitempty"` // the deployment's sync mode
	// Updated is when the record was last written (progress of a running run).
	Updated time.Time `json:"updated,omitzero"`
}

func (r *Run) validate() error {
	field := func(name, value, reason string) error {
		return fmt.Errorf("record run of deployment %q: %w", r.Deployment, &license.FieldError{Field: name, Value: value, Reason: reason})
	}
	switch {
	case r.Deployment == "":
		return field("deployment", "", "is required")
	case !r.Result.Valid():
		return field("result", string(r.Result), "must be success, failed, skipped, held, guarded, running or interrupted")
	}
	switch r.Trigger {
	case TriggerSchedule, TriggerManual, TriggerStartup, TriggerApproval:
	default:
		return field("trigger", r.Trigger, "must be schedule, manual, startup or approval")
	}
	if !r.Ended.IsZero() && r.Ended.Before(r.Started) {
		return field("ended", r.Ended.Format(time.RFC3339Nano), "is before started")
	}
	return nil
}

// RecordRun stores r with the next run ID of its deployment, and in the same
// transaction drops the oldest runs beyond the history limit. A success (or
// a held run, whose adds and updates were applied) also becomes the
// deployment's last success, which trimming never drops.
func (s *State) RecordRun(ctx context.Context, r Run) (Run, error) {
	if err := r.validate(); err != nil {
		return Run{}, err
	}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		dep, hist, err := runBuckets(tx, r.Deployment)
		if err != nil {
			return err
		}
		if r.ID, err = dep.NextSequence(); err != nil {
			return err
		}
		if err := putRun(dep, hist, r); err != nil {
			return err
		}
		return trimHistory(hist, r.ID, s.limit)
	})
	if err != nil {
		return Run{}, fmt.Errorf("record run of deployment %q in %s: %w", r.Deployment, s.path, err)
	}
	return r, nil
}

// BeginRun records r as running, with the next run ID, before any work is
// done: a process killed during the run leaves this record behind, and the
// next start turns it into an interrupted run (see Unfinished).
func (s *State) BeginRun(ctx context.Context, r Run) (Run, error) {
	r.Result, r.Ended = ResultRunning, time.Time{}
	return s.RecordRun(ctx, r)
}

// UpdateRun rewrites the record of run r.ID of its deployment: progress
// of a running run, or its end. ErrNotFound when no such run is kept.
func (s *State) UpdateRun(ctx context.Context, r Run) (Run, error) {
	if err := r.validate(); err != nil {
		return Run{}, err
	}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		dep, hist, err := runBuckets(tx, r.Deployment)
		if err != nil {
			return err
		}
		if hist.Get(u64(r.ID)) == nil {
			return fmt.Errorf("run %d: %w", r.ID, ErrNotFound)
		}
		return putRun(dep, hist, r)
	})
	if err != nil {
		return Run{}, fmt.Errorf("update run of deployment %q in %s: %w", r.Deployment, s.path, err)
	}
	return r, nil
}

// Run returns one run of a deployment by ID; ErrNotFound when it is not
// (or no longer) kept.
func (s *State) Run(ctx context.Context, deployment string, id uint64) (Run, error) {
	var r Run
	err := s.view(ctx, func(tx *bolt.Tx) error {
		hist := historyBucket(tx, deployment)
		if hist == nil {
			return fmt.Errorf("run %d: %w", id, ErrNotFound)
		}
		v := hist.Get(u64(id))
		if v == nil {
			return fmt.Errorf("run %d: %w", id, ErrNotFound)
		}
		var err error
		r, err = decodeRun(u64(id), v)
		return err
	})
	if err != nil {
		return Run{}, fmt.Errorf("run of deployment %q in %s: %w", deployment, s.path, err)
	}
	return r, nil
}

// Unfinished lists every kept run still marked running, of every
// deployment, oldest first. Only one process opens the file, so at start
// these are runs a dead process left.
func (s *State) Unfinished(ctx context.Context) ([]Run, error) {
	var out []Run
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRuns).ForEachBucket(func(name []byte) error {
			hist := historyBucket(tx, string(name))
			if hist == nil {
				return nil
			}
			return hist.ForEach(func(k, v []byte) error {
				r, err := decodeRun(k, v)
				if err != nil {
					return err
				}
				if r.Result == ResultRunning {
					out = append(out, r)
				}
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("unfinished runs in %s: %w", s.path, err)
	}
	return out, nil
}

func runBuckets(tx *bolt.Tx, deployment string) (dep, hist *bolt.Bucket, err error) {
	dep, err = tx.Bucket(bucketRuns).CreateBucketIfNotExists([]byte(deployment))
	if err != nil {
		return nil, nil, err
	}
	hist, err = dep.CreateBucketIfNotExists(bucketHistory)
	return dep, hist, err
}

// putRun writes r into its history and, for a run whose changes were
// applied, as the deployment's last success.
func putRun(dep, hist *bolt.Bucket, r Run) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := hist.Put(u64(r.ID), v); err != nil {
		return err
	}
	if r.Result == ResultSuccess || r.Result == ResultHeld {
		return dep.Put(keyLastSuccess, v)
	}
	return nil
}

// trimHistory deletes the runs of hist that are more than limit behind
// newest. IDs are unique and increasing, so at most limit remain; it loops
// rather than dropping one run per write so that a lowered limit shrinks an
// existing history at its next write.
func trimHistory(hist *bolt.Bucket, newest uint64, limit int) error {
	if newest <= uint64(limit) {
		return nil
	}
	cutoff := newest - uint64(limit)
	var drop [][]byte
	c := hist.Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= cutoff; k, _ = c.Next() {
		drop = append(drop, bytes.Clone(k))
	}
	for _, k := range drop {
		if err := hist.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Runs returns up to limit runs of the deployment, newest first; limit <= 0
// returns all that are kept. An unknown deployment has no runs.
func (s *State) Runs(ctx context.Context, deployment string, limit int) ([]Run, error) {
	var out []Run
	err := s.view(ctx, func(tx *bolt.Tx) error {
		hist := historyBucket(tx, deployment)
		if hist == nil {
			return nil
		}
		c := hist.Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			r, err := decodeRun(k, v)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("runs of deployment %q in %s: %w", deployment, s.path, err)
	}
	return out, nil
}

// LastRun returns the deployment's newest run; false if it has none.
func (s *State) LastRun(ctx context.Context, deployment string) (Run, bool, error) {
	var (
		r  Run
		ok bool
	)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		hist := historyBucket(tx, deployment)
		if hist == nil {
			return nil
		}
		k, v := hist.Cursor().Last()
		if k == nil {
			return nil
		}
		var err error
		r, err = decodeRun(k, v)
		ok = err == nil
		return err
	})
	if err != nil {
		return Run{}, false, fmt.Errorf("last run of deployment %q in %s: %w", deployment, s.path, err)
	}
	return r, ok, nil
}

// LastSuccess returns the deployment's newest run whose changes were applied
// (result success or held), even if it has left the history; false if none
// ever was. The scheduler's catch-up at start-up rests on it.
func (s *State) LastSuccess(ctx context.Context, deployment string) (Run, bool, error) {
	var (
		r  Run
		ok bool
	)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		dep := tx.Bucket(bucketRuns).Bucket([]byte(deployment))
		if dep == nil {
			return nil
		}
		v := dep.Get(keyLastSuccess)
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("%s: %w", keyLastSuccess, err)
		}
		ok = true
		return nil
	})
	if err != nil {
		return Run{}, false, fmt.Errorf("last success of deployment %q in %s: %w", deployment, s.path, err)
	}
	return r, ok, nil
}

func historyBucket(tx *bolt.Tx, deployment string) *bolt.Bucket {
	dep := tx.Bucket(bucketRuns).Bucket([]byte(deployment))
	if dep == nil {
		return nil
	}
	return dep.Bucket(bucketHistory)
}

func decodeRun(k, v []byte) (Run, error) {
	var r Run
	if err := json.Unmarshal(v, &r); err != nil {
		return Run{}, fmt.Errorf("run %d: %w", binary.BigEndian.Uint64(k), err)
	}
	return r, nil
}
