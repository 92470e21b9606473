package syncstate

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Export is everything a sync state holds, with the counters that number
// the next run and plan of each deployment, so another backend can take
// over from it (rollcall migrate --from-bolt) and go on with the same IDs.
type Export struct {
	Runs        []DeploymentRuns        `json:"runs"`
	Plans       []DeploymentPlans       `json:"plans"`
	Deployments []connectors.Deployment `json:"deployments"`
	Health      []Health                `json:"health"`
	Windows     []WindowMark            `json:"windows"`
}

// DeploymentRuns is one deployment's kept runs, oldest first, the last run
// ID handed out (trimmed runs included) and the last success.
type DeploymentRuns struct {
	Deployment  string `json:"deployment"`
	LastID      uint64 `json:"last_id"`
	LastSuccess *Run   `json:"last_success,omitempty"`
	Runs        []Run  `json:"runs"`
}

// DeploymentPlans is one deployment's kept plans, by sequence, and the
// last sequence handed out.
type DeploymentPlans struct {
	Deployment string    `json:"deployment"`
	LastSeq    uint64    `json:"last_seq"`
	Seqs       []uint64  `json:"seqs"` // Seqs[i] numbers Plans[i]
	Plans      []Pending `json:"plans"`
}

// Export reads the whole state in one read transaction.
func (s *State) Export(ctx context.Context) (*Export, error) {
	e := &Export{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		runs := tx.Bucket(bucketRuns)
		if err := runs.ForEachBucket(func(name []byte) error {
			dep := runs.Bucket(name)
			dr := DeploymentRuns{Deployment: string(name), LastID: dep.Sequence(), Runs: []Run{}}
			if v := dep.Get(keyLastSuccess); v != nil {
				var r Run
				if err := json.Unmarshal(v, &r); err != nil {
					return fmt.Errorf("deployment %q: %s: %w", name, keyLastSuccess, err)
				}
				dr.LastSuccess = &r
			}
			if hist := dep.Bucket(bucketHistory); hist != nil {
				if err := hist.ForEach(func(k, v []byte) error {
					r, err := decodeRun(k, v)
					dr.Runs = append(dr.Runs, r)
					return err
				}); err != nil {
					return fmt.Errorf("deployment %q: %w", name, err)
				}
			}
			e.Runs = append(e.Runs, dr)
			return nil
		}); err != nil {
			return err
		}
		plans := tx.Bucket(bucketPending).Bucket(bucketPlans)
		if err := plans.ForEachBucket(func(name []byte) error {
			b := plans.Bucket(name)
			dp := DeploymentPlans{Deployment: string(name), LastSeq: b.Sequence(), Seqs: []uint64{}, Plans: []Pending{}}
			if err := b.ForEach(func(k, v []byte) error {
				var p Pending
				if err := json.Unmarshal(v, &p); err != nil {
					return fmt.Errorf("plan %d of deployment %q: %w", binary.BigEndian.Uint64(k), name, err)
				}
				dp.Seqs, dp.Plans = append(dp.Seqs, binary.BigEndian.Uint64(k)), append(dp.Plans, p)
				return nil
			}); err != nil {
				return err
			}
			e.Plans = append(e.Plans, dp)
			return nil
		}); err != nil {
			return err
		}
		each := func(bucket []byte, into func(v []byte) error) error {
			return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
				if err := into(v); err != nil {
					return fmt.Errorf("%s/%s: %w", bucket, k, err)
				}
				return nil
			})
		}
		if err := each(bucketDeployments, func(v []byte) error {
			var d connectors.Deployment
			err := json.Unmarshal(v, &d)
			e.Deployments = append(e.Deployments, d)
			return err
		}); err != nil {
			return err
		}
		if err := each(bucketQuarantine, func(v []byte) error {
			var h Health
			err := json.Unmarshal(v, &h)
			e.Health = append(e.Health, h)
			return err
		}); err != nil {
			return err
		}
		return each(bucketWindows, func(v []byte) error {
			var m WindowMark
			err := json.Unmarshal(v, &m)
			e.Windows = append(e.Windows, m)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("export sync state %s: %w", s.path, err)
	}
	return e, nil
}
