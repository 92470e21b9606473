package pgstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

// Health returns a deployment's health; the zero Health when none is stored.
func (s *State) Health(ctx context.Context, deployment string) (syncstate.Health, error) {
	h := syncstate.Health{Deployment: deployment}
	var v []byte
	err := s.pool.QueryRow(ctx, `SELECT record FROM syncstate_health WHERE deployment = $1`, deployment).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return h, nil
	case err == nil:
		err = json.Unmarshal(v, &h)
	}
	if err != nil {
		return syncstate.Health{}, fmt.Errorf("health of deployment %q in %s: %w", deployment, s.where, err)
	}
	return h, nil
}

// UpdateHealth runs fn on the deployment's stored health and saves the
// result in one transaction; a result equal to the zero Health is deleted.
// The row is locked from read to write, so updates from several processes
// (failures counted by two replicas) do not overwrite one another.
func (s *State) UpdateHealth(ctx context.Context, deployment string, fn func(h *syncstate.Health)) (syncstate.Health, error) {
	var out syncstate.Health
	zero := syncstate.Health{Deployment: deployment}
	err := s.update(ctx, func(tx pgx.Tx) error {
		// A row to lock even when none is stored yet; deleted again below
		// if the result is healthy.
		zv, err := json.Marshal(zero)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO syncstate_health (deployment, record) VALUES ($1, $2) ON CONFLICT (deployment) DO NOTHING`, deployment, string(zv)); err != nil {
			return err
		}
		var v []byte
		if err := tx.QueryRow(ctx, `SELECT record FROM syncstate_health WHERE deployment = $1 FOR UPDATE`, deployment).Scan(&v); err != nil {
			return err
		}
		h := zero
		if err := json.Unmarshal(v, &h); err != nil {
			return err
		}
		fn(&h)
		h.Deployment = deployment
		out = h
		if h == zero {
			_, err := tx.Exec(ctx, `DELETE FROM syncstate_health WHERE deployment = $1`, deployment)
			return err
		}
		if v, err = json.Marshal(h); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE syncstate_health SET record = $2 WHERE deployment = $1`, deployment, string(v))
		return err
	})
	if err != nil {
		return syncstate.Health{}, fmt.Errorf("update health of deployment %q in %s: %w", deployment, s.where, err)
	}
	return out, nil
}

// WindowMark returns the deployment's window mark; false when it has none.
func (s *State) WindowMark(ctx context.Context, deployment string) (syncstate.WindowMark, bool, error) {
	var (
		v []byte
		m syncstate.WindowMark
	)
	err := s.pool.QueryRow(ctx, `SELECT record FROM syncstate_windows WHERE deployment = $1`, deployment).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return m, false, nil
	case err == nil:
		err = json.Unmarshal(v, &m)
	}
	if err != nil {
		return syncstate.WindowMark{}, false, fmt.Errorf("window mark of deployment %q in %s: %w", deployment, s.where, err)
	}
	return m, true, nil
}

// PutWindowMark stores m, replacing the deployment's mark.
func (s *State) PutWindowMark(ctx context.Context, m syncstate.WindowMark) error {
	v, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO syncstate_windows (deployment, record) VALUES ($1, $2)
		ON CONFLICT (deployment) DO UPDATE SET record = excluded.record`, m.Deployment, string(v))
	if err != nil {
		return fmt.Errorf("store window mark of deployment %q in %s: %w", m.Deployment, s.where, err)
	}
	return nil
}

// ClearWindowMark drops the deployment's window mark, if any.
func (s *State) ClearWindowMark(ctx context.Context, deployment string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM syncstate_windows WHERE deployment = $1`, deployment); err != nil {
		return fmt.Errorf("clear window mark of deployment %q in %s: %w", deployment, s.where, err)
	}
	return nil
}
