package syncstate

import (
	"context"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Backend is everything the engine keeps in sync state: run records (with
// the running → finished lifecycle that makes a killed run show as
// interrupted), pending plans, run-time deployments, deployment health
// and calendar window marks. State (bbolt) implements it; a shared backend
// (PostgreSQL) must too, and both pass statetest.Run.
type Backend interface {
	RecordRun(ctx context.Context, r Run) (Run, error)
	BeginRun(ctx context.Context, r Run) (Run, error)
	UpdateRun(ctx context.Context, r Run) (Run, error)
	Run(ctx context.Context, deployment string, id uint64) (Run, error)
	Runs(ctx context.Context, deployment string, limit int) ([]Run, error)
	LastRun(ctx context.Context, deployment string) (Run, bool, error)
	LastSuccess(ctx context.Context, deployment string) (Run, bool, error)
	Unfinished(ctx context.Context) ([]Run, error)

	PutPending(ctx context.Context, p Pending) (Pending, error)
	GetPending(ctx context.Context, id string) (Pending, error)
	ListPending(ctx context.Context, deployment string, includeDecided bool) ([]Pending, error)
	DecidePending(ctx context.Context, id, status, by string) error

	PutDeployment(ctx context.Context, d connectors.Deployment) error
	DeleteDeployment(ctx context.Context, name string) error
	Deployments(ctx context.Context) ([]connectors.Deployment, error)

	Health(ctx context.Context, deployment string) (Health, error)
	UpdateHealth(ctx context.Context, deployment string, fn func(h *Health)) (Health, error)
	WindowMark(ctx context.Context, deployment string) (WindowMark, bool, error)
	PutWindowMark(ctx context.Context, m WindowMark) error
	ClearWindowMark(ctx context.Context, deployment string) error

	Close() error
}

var _ Backend = (*State)(nil)
