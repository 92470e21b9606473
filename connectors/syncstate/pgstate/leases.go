package pgstate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Leases let several replicas share the deployments of one database: each
// deployment is run by the one replica that holds its lease. A lease has a
// fencing token that grows by one on every acquisition, so work begun
// under a lease that has since passed to another replica can be refused
// where it would do harm: in the transaction that applies it.
//
// How a replica uses them:
//
//	l, err := st.Acquire(ctx, dep, replicaID, ttl) // ErrLeaseHeld: another replica runs dep
//	ctx = pgstate.WithFence(ctx, l.Fence())         // carried down to the store
//	... run the sync, calling st.Renew(ctx, l, ttl) well within ttl ...
//	st.Release(ctx, l)
//
// and every transaction that applies changes for dep (license/postgres's
// Apply batches) calls, before it commits,
//
//	if err := pgstate.CheckContextFence(ctx, tx); err != nil { return err }
//
// which does nothing without a fence in ctx (one process, bbolt, CLI),
// and otherwise fails with ErrFenced unless the fence's token is the
// current one and its lease has not expired. The check takes a share lock
// on the lease row, so a takeover (which updates the row) waits for the
// apply transactions that passed the check to commit, and every apply
// transaction that checks after the takeover is refused: a replica paused
// past its lease (GC, SIGSTOP, a partition) and then resumed cannot apply
// the plan it made before.

// Sentinel errors of leases.
var (
	// ErrLeaseHeld: another replica holds an unexpired lease; see LeaseHeldError.
	ErrLeaseHeld = errors.New("lease held by another replica")
	// ErrLeaseLost: the lease expired or passed to another replica.
	ErrLeaseLost = errors.New("lease lost")
	// ErrFenced: a write under a fencing token that is no longer current.
	ErrFenced = errors.New("fencing token is stale")
)

// Lease is one replica's hold on one deployment.
type Lease struct {
	Deployment string    `json:"deployment"`
	Holder     string    `json:"holder"` // the replica ID
	Token      int64     `json:"token"`
	Acquired   time.Time `json:"acquired"`
	Expires    time.Time `json:"expires"`
}

// Fence is what an apply transaction checks: the deployment and the token
// its work was begun under.
type Fence struct {
	Deployment string
	Token      int64
}

// Fence returns the lease's fence.
func (l Lease) Fence() Fence { return Fence{Deployment: l.Deployment, Token: l.Token} }

// LeaseHeldError names the replica that holds a lease another asked for.
type LeaseHeldError struct {
	Deployment string
	Holder     string
	Expires    time.Time
}

func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("deployment %s is run by replica %s (lease until %s)", e.Deployment, e.Holder, e.Expires.UTC().Format(time.RFC3339))
}

// Unwrap lets errors.Is(err, ErrLeaseHeld) hold.
func (e *LeaseHeldError) Unwrap() error { return ErrLeaseHeld }

// FenceError is a write refused by CheckFence.
type FenceError struct {
	Deployment string
	Token      int64 // the refused token
	Current    int64 // the current token; 0 when the deployment was never leased
	Holder     string
	Expired    bool // the token is current but its lease expired
}

func (e *FenceError) Error() string {
	if e.Expired {
		return fmt.Sprintf("deployment %s: lease of token %d expired: the change is not applied", e.Deployment, e.Token)
	}
	return fmt.Sprintf("deployment %s: token %d is stale (replica %s holds token %d): the change is not applied", e.Deployment, e.Token, e.Holder, e.Current)
}

// Unwrap lets errors.Is(err, ErrFenced) hold.
func (e *FenceError) Unwrap() error { return ErrFenced }

// Acquire takes the deployment's lease for holder for ttl, with a new
// fencing token, if nobody holds it or the lease has expired. A holder
// acquiring again (a restarted replica of the same ID) also gets a new
// token, which fences out its own earlier incarnation. Another replica's
// unexpired lease gives a *LeaseHeldError.
func (s *State) Acquire(ctx context.Context, deployment, holder string, ttl time.Duration) (Lease, error) {
	if err := checkLeaseArgs(deployment, holder, ttl); err != nil {
		return Lease{}, err
	}
	l := Lease{Deployment: deployment, Holder: holder}
	err := s.pool.QueryRow(ctx, `INSERT INTO syncstate_leases AS l (deployment, holder, token, acquired, expires_at)
		VALUES ($1, $2, 1, clock_timestamp(), clock_timestamp() + $3 * interval '1 microsecond')
		ON CONFLICT (deployment) DO UPDATE
			SET holder = excluded.holder, token = l.token + 1, acquired = excluded.acquired, expires_at = excluded.expires_at
			WHERE l.expires_at <= clock_timestamp() OR l.holder = excluded.holder
		RETURNING token, acquired, expires_at`, deployment, holder, ttl.Microseconds()).Scan(&l.Token, &l.Acquired, &l.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		held := &LeaseHeldError{Deployment: deployment}
		err = s.pool.QueryRow(ctx, `SELECT holder, expires_at FROM syncstate_leases WHERE deployment = $1`, deployment).Scan(&held.Holder, &held.Expires)
		if err == nil {
			err = held
		}
	}
	if err != nil {
		return Lease{}, fmt.Errorf("acquire lease of deployment %s for %s in %s: %w", deployment, holder, s.where, err)
	}
	return l, nil
}

// Renew extends a lease still held (same holder and token, not expired)
// to ttl from now; ErrLeaseLost otherwise, and the holder must stop.
func (s *State) Renew(ctx context.Context, l Lease, ttl time.Duration) (Lease, error) {
	if err := checkLeaseArgs(l.Deployment, l.Holder, ttl); err != nil {
		return Lease{}, err
	}
	err := s.pool.QueryRow(ctx, `UPDATE syncstate_leases SET expires_at = clock_timestamp() + $4 * interval '1 microsecond'
		WHERE deployment = $1 AND holder = $2 AND token = $3 AND expires_at > clock_timestamp()
		RETURNING expires_at`, l.Deployment, l.Holder, l.Token, ttl.Microseconds()).Scan(&l.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrLeaseLost
	}
	if err != nil {
		return Lease{}, fmt.Errorf("renew lease of deployment %s (token %d) for %s in %s: %w", l.Deployment, l.Token, l.Holder, s.where, err)
	}
	return l, nil
}

// Release ends a lease still held, so another replica may take the
// deployment at once; releasing a lease already lost does nothing. The
// row stays, so tokens keep growing.
func (s *State) Release(ctx context.Context, l Lease) error {
	_, err := s.pool.Exec(ctx, `UPDATE syncstate_leases SET expires_at = clock_timestamp()
		WHERE deployment = $1 AND holder = $2 AND token = $3 AND expires_at > clock_timestamp()`, l.Deployment, l.Holder, l.Token)
	if err != nil {
		return fmt.Errorf("release lease of deployment %s (token %d) in %s: %w", l.Deployment, l.Token, s.where, err)
	}
	return nil
}

// Leases lists the unexpired leases, by deployment: which replica runs
// what, for metrics and /readyz.
func (s *State) Leases(ctx context.Context) ([]Lease, error) {
	rows, err := s.pool.Query(ctx, `SELECT deployment, holder, token, acquired, expires_at FROM syncstate_leases
		WHERE expires_at > clock_timestamp() ORDER BY deployment COLLATE "C"`)
	var out []Lease
	if err == nil {
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Lease, error) {
			var l Lease
			err := row.Scan(&l.Deployment, &l.Holder, &l.Token, &l.Acquired, &l.Expires)
			return l, err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("list leases in %s: %w", s.where, err)
	}
	return orNil(out), nil
}

// Querier is what CheckFence runs on: a pgx.Tx (or a pgx.Conn or pool
// inside an explicit transaction).
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// CheckFence, called inside a transaction that applies changes for
// f.Deployment, fails with a *FenceError (errors.Is ErrFenced) unless
// f.Token is the deployment's current token and its lease is unexpired.
// It share-locks the lease row until the transaction ends, so no replica
// can take the lease over between the check and the commit. The caller
// rolls back on error.
func CheckFence(ctx context.Context, tx Querier, f Fence) error {
	var (
		current int64
		holder  string
		live    bool
	)
	err := tx.QueryRow(ctx, `SELECT token, holder, expires_at > clock_timestamp() FROM syncstate_leases
		WHERE deployment = $1 FOR SHARE`, f.Deployment).Scan(&current, &holder, &live)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return &FenceError{Deployment: f.Deployment, Token: f.Token}
	case err != nil:
		return fmt.Errorf("check fencing token of deployment %s: %w", f.Deployment, err)
	case current != f.Token:
		return &FenceError{Deployment: f.Deployment, Token: f.Token, Current: current, Holder: holder}
	case !live:
		return &FenceError{Deployment: f.Deployment, Token: f.Token, Current: current, Holder: holder, Expired: true}
	}
	return nil
}

type fenceKey struct{}

// WithFence returns ctx carrying f, for CheckContextFence further down.
func WithFence(ctx context.Context, f Fence) context.Context {
	return context.WithValue(ctx, fenceKey{}, f)
}

// FenceFrom returns the fence ctx carries, if any.
func FenceFrom(ctx context.Context) (Fence, bool) {
	f, ok := ctx.Value(fenceKey{}).(Fence)
	return f, ok
}

// CheckContextFence is CheckFence on the fence ctx carries, and nothing
// when it carries none (a single process, which needs no fencing).
func CheckContextFence(ctx context.Context, tx Querier) error {
	f, ok := FenceFrom(ctx)
	if !ok {
		return nil
	}
	return CheckFence(ctx, tx, f)
}

func checkLeaseArgs(deployment, holder string, ttl time.Duration) error {
	switch {
	case deployment == "":
		return errors.New("lease: deployment is required")
	case holder == "":
		return errors.New("lease: holder (the replica ID) is required")
	case ttl < time.Millisecond:
		return fmt.Errorf("lease: ttl %s: must be at least 1ms", ttl)
	}
	return nil
}
