package syncstate

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Health is what the engine remembers about a deployment's failures: how
// many runs in a row failed, and whether it is quarantined (backing off
// until Until, because of Reason). The zero value is a healthy deployment.
type Health struct {
	Deployment  string    `json:"deployment"`
	Failures    int       `json:"failures"` // consecutive failed runs
	LastError   string    `json:"last_error,omitempty"`
	Quarantined bool      `json:"quarantined"`
	Since       time.Time `json:"since,omitzero"`  // when the quarantine began
	Until       time.Time `json:"until,omitzero"`  // the next run allowed
	Level       int       `json:"level,omitempty"` // backoffs so far: 1 → 6 h, 2 → 12 h, 3+ → 24 h
	Reason      string    `json:"reason,omitempty"`
}

// Health returns a deployment's health; the zero Health when none is stored.
func (s *State) Health(ctx context.Context, deployment string) (Health, error) {
	h := Health{Deployment: deployment}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketQuarantine).Get([]byte(deployment))
		if v == nil {
			return nil
		}
		return json.Unmarshal(v, &h)
	})
	if err != nil {
		return Health{}, fmt.Errorf("health of deployment %q in %s: %w", deployment, s.path, err)
	}
	return h, nil
}

// UpdateHealth runs fn on the deployment's stored health and saves the
// result in one transaction; a result equal to the zero Health is deleted.
func (s *State) UpdateHealth(ctx context.Context, deployment string, fn func(h *Health)) (Health, error) {
	var out Health
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketQuarantine)
		h := Health{Deployment: deployment}
		if v := b.Get([]byte(deployment)); v != nil {
			if err := json.Unmarshal(v, &h); err != nil {
				return err
			}
		}
		fn(&h)
		h.Deployment = deployment
		out = h
		if h == (Health{Deployment: deployment}) {
			return b.Delete([]byte(deployment))
		}
		v, err := json.Marshal(h)
		if err != nil {
			return err
		}
		return b.Put([]byte(deployment), v)
	})
	if err != nil {
		return Health{}, fmt.Errorf("update health of deployment %q in %s: %w", deployment, s.path, err)
	}
	return out, nil
}

// WindowMark records that a deployment ran inside a calendar window, and
// the last good run before it, so the first run after the window can
// compare against what was true before it.
type WindowMark struct {
	Deployment string    `json:"deployment"`
	Window     string    `json:"window"`   // the window's name
	Kind       string    `json:"kind"`     // blackout or additions-only
	Ends       time.Time `json:"ends"`     // when the window ends
	Baseline   int       `json:"baseline"` // claims at the last good run before the window
	BaseRun    uint64    `json:"base_run,omitempty"`
}

// WindowMark returns the deployment's window mark; false when it has none.
func (s *State) WindowMark(ctx context.Context, deployment string) (WindowMark, bool, error) {
	var (
		m  WindowMark
		ok bool
	)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketWindows).Get([]byte(deployment))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &m)
	})
	if err != nil {
		return WindowMark{}, false, fmt.Errorf("window mark of deployment %q in %s: %w", deployment, s.path, err)
	}
	return m, ok, nil
}

// PutWindowMark stores m; ClearWindowMark drops the deployment's mark.
func (s *State) PutWindowMark(ctx context.Context, m WindowMark) error {
	v, err := json.Marshal(m)
	if err != nil {
		return err
	}
	err = s.update(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketWindows).Put([]byte(m.Deployment), v)
	})
	if err != nil {
		return fmt.Errorf("store window mark of deployment %q in %s: %w", m.Deployment, s.path, err)
	}
	return nil
}

// ClearWindowMark drops the deployment's window mark, if any.
func (s *State) ClearWindowMark(ctx context.Context, deployment string) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketWindows).Delete([]byte(deployment))
	})
	if err != nil {
		return fmt.Errorf("clear window mark of deployment %q in %s: %w", deployment, s.path, err)
	}
	return nil
}
