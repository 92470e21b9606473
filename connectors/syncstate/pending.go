package syncstate

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

// Statuses of a pending plan. Only a pending plan can be decided.
const (
	StatusPending    = "pending"
	StatusApproved   = "approved"
	StatusRejected   = "rejected"
	StatusSuperseded = "superseded" // a newer plan of the deployment, or a stale approval, replaced it
)

// Pending is a plan whose removals a guard held for an admin's approval.
type Pending struct {
	ID         string          `json:"id"`
	Deployment string          `json:"deployment"`
	Created    time.Time       `json:"created"`
	Removals   int             `json:"removals"`
	Summary    string          `json:"summary"` // why it was held, for lists
	Plan       json.RawMessage `json:"plan"`    // the engine's encoding; opaque here
	Status     string          `json:"status"`
	DecidedBy  string          `json:"decided_by,omitempty"`
	Decided    time.Time       `json:"decided,omitzero"`
	// SupersededBy is the newer plan of the deployment that replaced this one.
	SupersededBy string `json:"superseded_by,omitempty"`
}

// PutPending stores p as the deployment's pending plan, and marks any older
// pending plan of the same deployment superseded: only the newest plan
// reflects the source and the store, so only it may be approved. An empty
// ID is filled with a random one, a zero Created with now; Status and the
// decision fields are reset. Decided plans beyond the history limit are
// dropped, oldest first.
func (s *State) PutPending(ctx context.Context, p Pending) (Pending, error) {
	if err := p.validate(); err != nil {
		return Pending{}, err
	}
	if p.ID == "" {
		p.ID = newID()
	}
	if p.Created.IsZero() {
		p.Created = s.now()
	}
	p.Status, p.DecidedBy, p.Decided, p.SupersededBy = StatusPending, "", time.Time{}, ""
	err := s.update(ctx, func(tx *bolt.Tx) error {
		pb := tx.Bucket(bucketPending)
		ids, open := pb.Bucket(bucketPlanIDs), pb.Bucket(bucketOpen)
		if ids.Get([]byte(p.ID)) != nil {
			return fmt.Errorf("plan id %s: %w", p.ID, ErrExists)
		}
		plans, err := pb.Bucket(bucketPlans).CreateBucketIfNotExists([]byte(p.Deployment))
		if err != nil {
			return err
		}
		if err := s.supersede(plans, open, p); err != nil {
			return err
		}
		seq, err := plans.NextSequence()
		if err != nil {
			return err
		}
		if err := putPlan(plans, seq, p); err != nil {
			return err
		}
		ref := planRef(seq, p.Deployment)
		if err := ids.Put([]byte(p.ID), ref); err != nil {
			return err
		}
		if err := open.Put([]byte(p.ID), ref); err != nil {
			return err
		}
		return trimPlans(plans, ids, seq, s.limit)
	})
	if err != nil {
		return Pending{}, fmt.Errorf("store pending plan of deployment %q in %s: %w", p.Deployment, s.path, err)
	}
	return p, nil
}

func (p *Pending) validate() error {
	field := func(name, value, reason string) error {
		return fmt.Errorf("store pending plan of deployment %q: %w", p.Deployment, &license.FieldError{Field: name, Value: value, Reason: reason})
	}
	switch {
	case p.Deployment == "":
		return field("deployment", "", "is required")
	case p.Removals < 0:
		return field("removals", fmt.Sprint(p.Removals), "must not be negative")
	case len(p.Plan) > 0 && !json.Valid(p.Plan):
		return field("plan", "", "is not valid JSON")
	}
	return nil
}

// supersede marks the deployment's open plans superseded by p.
func (s *State) supersede(plans, open *bolt.Bucket, p Pending) error {
	var ids [][]byte
	c := open.Cursor()
	for k, ref := c.First(); k != nil; k, ref = c.Next() {
		seq, dep := splitRef(ref)
		if dep != p.Deployment {
			continue
		}
		old, err := getPlan(plans, seq)
		if err != nil {
			return err
		}
		old.Status, old.Decided, old.SupersededBy = StatusSuperseded, s.now(), p.ID
		if err := putPlan(plans, seq, old); err != nil {
			return err
		}
		ids = append(ids, bytes.Clone(k))
	}
	for _, k := range ids {
		if err := open.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// trimPlans drops the plans of one deployment more than limit behind newest.
// The newest is the open one; the dropped are decided.
func trimPlans(plans, ids *bolt.Bucket, newest uint64, limit int) error {
	if newest <= uint64(limit) {
		return nil
	}
	cutoff := newest - uint64(limit)
	var drop []uint64
	c := plans.Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= cutoff; k, _ = c.Next() {
		drop = append(drop, binary.BigEndian.Uint64(k))
	}
	for _, seq := range drop {
		old, err := getPlan(plans, seq)
		if err != nil {
			return err
		}
		if err := ids.Delete([]byte(old.ID)); err != nil {
			return err
		}
		if err := plans.Delete(u64(seq)); err != nil {
			return err
		}
	}
	return nil
}

// GetPending returns one plan, whatever its status.
func (s *State) GetPending(ctx context.Context, id string) (Pending, error) {
	var p Pending
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		p, _, err = lookupPlan(tx, id)
		return err
	})
	if err != nil {
		return Pending{}, fmt.Errorf("pending plan %s in %s: %w", id, s.path, err)
	}
	return p, nil
}

// ListPending returns the plans of one deployment ("" for all), newest
// first. Without includeDecided only plans still awaiting a decision are
// listed; with it, every kept plan.
func (s *State) ListPending(ctx context.Context, deployment string, includeDecided bool) ([]Pending, error) {
	var out []Pending
	err := s.view(ctx, func(tx *bolt.Tx) error {
		pb := tx.Bucket(bucketPending)
		all := pb.Bucket(bucketPlans)
		if !includeDecided {
			return pb.Bucket(bucketOpen).ForEach(func(_, ref []byte) error {
				seq, dep := splitRef(ref)
				if deployment != "" && dep != deployment {
					return nil
				}
				plans := all.Bucket([]byte(dep))
				if plans == nil {
					return fmt.Errorf("open plan of deployment %q: %w", dep, ErrNotFound)
				}
				p, err := getPlan(plans, seq)
				out = append(out, p)
				return err
			})
		}
		return all.ForEachBucket(func(dep []byte) error {
			if deployment != "" && string(dep) != deployment {
				return nil
			}
			return all.Bucket(dep).ForEach(func(k, v []byte) error {
				var p Pending
				if err := json.Unmarshal(v, &p); err != nil {
					return fmt.Errorf("plan %d of deployment %q: %w", binary.BigEndian.Uint64(k), dep, err)
				}
				out = append(out, p)
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list pending plans in %s: %w", s.path, err)
	}
	// Stable, so plans of one deployment created in the same instant keep
	// their stored order.
	slices.Reverse(out)
	slices.SortStableFunc(out, func(a, b Pending) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// DecidePending marks a pending plan approved, rejected or superseded by
// whom. A plan already decided is left as it is and a *DecisionError
// returned, so of two concurrent approvals exactly one wins.
func (s *State) DecidePending(ctx context.Context, id, status, by string) error {
	switch status {
	case StatusApproved, StatusRejected, StatusSuperseded:
	default:
		return fmt.Errorf("decide plan %s: %w", id, &license.FieldError{Field: "status", Value: status, Reason: "must be approved, rejected or superseded"})
	}
	if by == "" {
		return fmt.Errorf("decide plan %s: %w", id, &license.FieldError{Field: "by", Reason: "is required: a decision names who made it"})
	}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		p, seq, err := lookupPlan(tx, id)
		if err != nil {
			return err
		}
		if p.Status != StatusPending {
			return &DecisionError{ID: id, Status: p.Status, Requested: status}
		}
		p.Status, p.DecidedBy, p.Decided = status, by, s.now()
		pb := tx.Bucket(bucketPending)
		if err := putPlan(pb.Bucket(bucketPlans).Bucket([]byte(p.Deployment)), seq, p); err != nil {
			return err
		}
		return pb.Bucket(bucketOpen).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("decide plan %s in %s: %w", id, s.path, err)
	}
	return nil
}

func lookupPlan(tx *bolt.Tx, id string) (Pending, uint64, error) {
	pb := tx.Bucket(bucketPending)
	ref := pb.Bucket(bucketPlanIDs).Get([]byte(id))
	if ref == nil {
		return Pending{}, 0, ErrNotFound
	}
	seq, dep := splitRef(ref)
	plans := pb.Bucket(bucketPlans).Bucket([]byte(dep))
	if plans == nil {
		return Pending{}, 0, fmt.Errorf("deployment %q has no plans: %w", dep, ErrNotFound)
	}
	p, err := getPlan(plans, seq)
	return p, seq, err
}

func getPlan(plans *bolt.Bucket, seq uint64) (Pending, error) {
	v := plans.Get(u64(seq))
	if v == nil {
		return Pending{}, fmt.Errorf("plan %d: %w", seq, ErrNotFound)
	}
	var p Pending
	if err := json.Unmarshal(v, &p); err != nil {
		return Pending{}, fmt.Errorf("plan %d: %w", seq, err)
	}
	return p, nil
}

func putPlan(plans *bolt.Bucket, seq uint64, p Pending) error {
	v, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("plan %s: %w", p.ID, err)
	}
	return plans.Put(u64(seq), v)
}

func planRef(seq uint64, deployment string) []byte {
	return append(u64(seq), deployment...)
}

func splitRef(ref []byte) (uint64, string) {
	if len(ref) < 8 {
		return 0, ""
	}
	return binary.BigEndian.Uint64(ref[:8]), string(ref[8:])
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	return hex.EncodeToString(b[:])
}
