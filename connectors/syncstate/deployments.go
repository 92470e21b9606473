package syncstate

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/connectors"
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
	err = s.update(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDeployments).Put([]byte(d.Name), v)
	})
	if err != nil {
		return fmt.Errorf("store run-time deployment %s in %s: %w", d.Name, s.path, err)
	}
	return nil
}

// DeleteDeployment removes a run-time deployment. Its run history and plans
// stay, as the record of what it did; ErrNotFound if there is none.
func (s *State) DeleteDeployment(ctx context.Context, name string) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDeployments)
		if b.Get([]byte(name)) == nil {
			return ErrNotFound
		}
		return b.Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("delete run-time deployment %s in %s: %w", name, s.path, err)
	}
	return nil
}

// Deployments lists the run-time deployments, by name.
func (s *State) Deployments(ctx context.Context) ([]connectors.Deployment, error) {
	var out []connectors.Deployment
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDeployments).ForEach(func(k, v []byte) error {
			var d connectors.Deployment
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("deployment %s: %w", k, err)
			}
			out = append(out, d)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list run-time deployments in %s: %w", s.path, err)
	}
	return out, nil
}
