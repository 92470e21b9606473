package syncstate

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrNotFound: no pending plan or run-time deployment by that name.
	ErrNotFound = errors.New("not found")
	// ErrExists: a pending plan with that ID is already stored.
	ErrExists = errors.New("already exists")
	// ErrNotPending: the plan was already decided; see DecisionError.
	ErrNotPending = errors.New("plan is not pending")
	// ErrSchemaTooNew: the file was written by a newer Rollcall; see SchemaError.
	ErrSchemaTooNew = errors.New("sync state schema is newer than this program")
)

// DecisionError is a decision on a plan that is no longer pending, such as
// two admins approving the same plan: only the first decision counts.
type DecisionError struct {
	ID        string // the plan
	Status    string // its status now
	Requested string // the refused decision
}

func (e *DecisionError) Error() string {
	return fmt.Sprintf("plan %s is %s, cannot mark it %s", e.ID, e.Status, e.Requested)
}

// Unwrap lets errors.Is(err, ErrNotPending) hold.
func (e *DecisionError) Unwrap() error { return ErrNotPending }

// SchemaError is a sync state file whose schema this program does not know.
type SchemaError struct {
	Path      string
	Found     uint64
	Supported uint64
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("sync state %s: schema version %d, this program reads up to %d: upgrade Rollcall", e.Path, e.Found, e.Supported)
}

// Unwrap lets errors.Is(err, ErrSchemaTooNew) hold.
func (e *SchemaError) Unwrap() error { return ErrSchemaTooNew }
