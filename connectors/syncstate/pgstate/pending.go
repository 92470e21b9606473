package pgstate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// PutPending stores p as the deployment's pending plan and marks any older
// pending plan of the deployment superseded by it. An empty ID is filled
// with a random one, a zero Created with now; Status and the decision
// fields are reset. Plans more than the history limit behind the newest
// (all decided) are dropped.
func (s *State) PutPending(ctx context.Context, p syncstate.Pending) (syncstate.Pending, error) {
	if err := p.Validate(); err != nil {
		return syncstate.Pending{}, err
	}
	if p.ID == "" {
		p.ID = newID()
	}
	if p.Created.IsZero() {
		p.Created = s.now()
	}
	p.Status, p.DecidedBy, p.Decided, p.SupersededBy = syncstate.StatusPending, "", time.Time{}, ""
	err := s.update(ctx, func(tx pgx.Tx) error {
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM syncstate_plans WHERE id = $1)`, p.ID).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return fmt.Errorf("plan id %s: %w", p.ID, syncstate.ErrExists)
		}
		// The head row's lock serialises the plans of one deployment, so
		// of two concurrent puts the second supersedes the first.
		var seq int64
		if err := tx.QueryRow(ctx, `INSERT INTO syncstate_plan_heads (deployment, last_seq) VALUES ($1, 1)
			ON CONFLICT (deployment) DO UPDATE SET last_seq = syncstate_plan_heads.last_seq + 1
			RETURNING last_seq`, p.Deployment).Scan(&seq); err != nil {
			return err
		}
		if err := s.supersede(ctx, tx, p); err != nil {
			return err
		}
		v, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("plan %s: %w", p.ID, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO syncstate_plans (id, deployment, seq, status, record) VALUES ($1, $2, $3, $4, $5)`,
			p.ID, p.Deployment, seq, p.Status, string(v)); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "syncstate_plans_pkey" {
				return fmt.Errorf("plan id %s: %w", p.ID, syncstate.ErrExists)
			}
			return err
		}
		if cutoff := seq - int64(s.limit); cutoff > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM syncstate_plans WHERE deployment = $1 AND seq <= $2`, p.Deployment, cutoff); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return syncstate.Pending{}, fmt.Errorf("store pending plan of deployment %q in %s: %w", p.Deployment, s.where, err)
	}
	return p, nil
}

// supersede marks the deployment's open plans superseded by p.
func (s *State) supersede(ctx context.Context, tx pgx.Tx, p syncstate.Pending) error {
	rows, err := tx.Query(ctx, `SELECT seq, record FROM syncstate_plans WHERE deployment = $1 AND status = 'pending' ORDER BY id COLLATE "C" FOR UPDATE`, p.Deployment)
	if err != nil {
		return err
	}
	type open struct {
		seq  int64
		plan syncstate.Pending
	}
	olds, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (open, error) {
		var (
			o open
			v []byte
		)
		if err := row.Scan(&o.seq, &v); err != nil {
			return o, err
		}
		return o, decodePlan(o.seq, v, &o.plan)
	})
	if err != nil {
		return err
	}
	for _, o := range olds {
		o.plan.Status, o.plan.Decided, o.plan.SupersededBy = syncstate.StatusSuperseded, s.now(), p.ID
		if err := rewritePlan(ctx, tx, o.plan); err != nil {
			return err
		}
	}
	return nil
}

// GetPending returns one plan, whatever its status.
func (s *State) GetPending(ctx context.Context, id string) (syncstate.Pending, error) {
	var (
		seq int64
		v   []byte
		p   syncstate.Pending
	)
	err := s.pool.QueryRow(ctx, `SELECT seq, record FROM syncstate_plans WHERE id = $1`, id).Scan(&seq, &v)
	if err == nil {
		err = decodePlan(seq, v, &p)
	}
	if err != nil {
		return syncstate.Pending{}, fmt.Errorf("pending plan %s in %s: %w", id, s.where, notFound(err, "plan"))
	}
	return p, nil
}

// ListPending returns the plans of one deployment ("" for all), newest
// first. Without includeDecided only plans still awaiting a decision are
// listed; with it, every kept plan. Plans created in the same instant come
// in the order the bbolt backend gives them.
func (s *State) ListPending(ctx context.Context, deployment string, includeDecided bool) ([]syncstate.Pending, error) {
	// Read in bbolt's key order (open plans by ID; all plans by deployment
	// then sequence), then sorted as it sorts them.
	q := `SELECT seq, record FROM syncstate_plans WHERE ($1 = '' OR deployment = $1)`
	if includeDecided {
		q += ` ORDER BY deployment COLLATE "C", seq`
	} else {
		q += ` AND status = 'pending' ORDER BY id COLLATE "C"`
	}
	rows, err := s.pool.Query(ctx, q, deployment)
	var out []syncstate.Pending
	if err == nil {
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (syncstate.Pending, error) {
			var (
				seq int64
				v   []byte
				p   syncstate.Pending
			)
			if err := row.Scan(&seq, &v); err != nil {
				return p, err
			}
			return p, decodePlan(seq, v, &p)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("list pending plans in %s: %w", s.where, err)
	}
	out = orNil(out)
	slices.Reverse(out)
	slices.SortStableFunc(out, func(a, b syncstate.Pending) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// DecidePending marks a pending plan approved, rejected or superseded by
// whom. A plan already decided is left as it is and a
// *syncstate.DecisionError returned: the row is locked while it is read,
// so of two concurrent decisions, from any processes, exactly one wins.
func (s *State) DecidePending(ctx context.Context, id, status, by string) error {
	switch status {
	case syncstate.StatusApproved, syncstate.StatusRejected, syncstate.StatusSuperseded:
	default:
		return fmt.Errorf("decide plan %s: %w", id, &license.FieldError{Field: "status", Value: status, Reason: "must be approved, rejected or superseded"})
	}
	if by == "" {
		return fmt.Errorf("decide plan %s: %w", id, &license.FieldError{Field: "by", Reason: "is required: a decision names who made it"})
	}
	err := s.update(ctx, func(tx pgx.Tx) error {
		var (
			seq int64
			v   []byte
			p   syncstate.Pending
		)
		err := tx.QueryRow(ctx, `SELECT seq, record FROM syncstate_plans WHERE id = $1 FOR UPDATE`, id).Scan(&seq, &v)
		if err != nil {
			return notFound(err, "plan")
		}
		if err := decodePlan(seq, v, &p); err != nil {
			return err
		}
		if p.Status != syncstate.StatusPending {
			return &syncstate.DecisionError{ID: id, Status: p.Status, Requested: status}
		}
		p.Status, p.DecidedBy, p.Decided = status, by, s.now()
		return rewritePlan(ctx, tx, p)
	})
	if err != nil {
		return fmt.Errorf("decide plan %s in %s: %w", id, s.where, err)
	}
	return nil
}

// rewritePlan stores a changed plan, keeping its status column in step.
func rewritePlan(ctx context.Context, tx pgx.Tx, p syncstate.Pending) error {
	v, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("plan %s: %w", p.ID, err)
	}
	_, err = tx.Exec(ctx, `UPDATE syncstate_plans SET status = $2, record = $3 WHERE id = $1`, p.ID, p.Status, string(v))
	return err
}

func decodePlan(seq int64, v []byte, p *syncstate.Pending) error {
	if err := json.Unmarshal(v, p); err != nil {
		return fmt.Errorf("plan %d: %w", seq, err)
	}
	return nil
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	return hex.EncodeToString(b[:])
}
