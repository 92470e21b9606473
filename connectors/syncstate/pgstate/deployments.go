package pgstate

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

// PutDeployment stores a deployment created at run time, replacing one of
// the same name. It must pass Deployment.Validate.
func (s *State) PutDeployment(ctx context.Context, d connectors.Deployment) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("store run-time deployment: %w", err)
	}
	v, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("store run-time deployment %s: %w", d.Name, err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO syncstate_deployments (name, record) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET record = excluded.record`, d.Name, string(v))
	if err != nil {
		return fmt.Errorf("store run-time deployment %s in %s: %w", d.Name, s.where, err)
	}
	return nil
}

// DeleteDeployment removes a run-time deployment. Its run history and plans
// stay; ErrNotFound if there is none.
func (s *State) DeleteDeployment(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM syncstate_deployments WHERE name = $1`, name)
	if err == nil && tag.RowsAffected() == 0 {
		err = syncstate.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete run-time deployment %s in %s: %w", name, s.where, err)
	}
	return nil
}

// Deployments lists the run-time deployments, by name.
func (s *State) Deployments(ctx context.Context) ([]connectors.Deployment, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, record FROM syncstate_deployments ORDER BY name COLLATE "C"`)
	var out []connectors.Deployment
	if err == nil {
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (connectors.Deployment, error) {
			var (
				name string
				v    []byte
				d    connectors.Deployment
			)
			if err := row.Scan(&name, &v); err != nil {
				return d, err
			}
			if err := json.Unmarshal(v, &d); err != nil {
				return d, fmt.Errorf("deployment %s: %w", name, err)
			}
			return d, nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("list run-time deployments in %s: %w", s.where, err)
	}
	return orNil(out), nil
}
