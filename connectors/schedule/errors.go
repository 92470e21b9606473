package schedule

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrRunning: a run of the job is in progress; runs of one job never overlap.
	ErrRunning = errors.New("a run of this job is already in progress")
	// ErrUnknownJob: no job has that name.
	ErrUnknownJob = errors.New("unknown job")
	// ErrStopped: the scheduler was stopped and takes no more runs.
	ErrStopped = errors.New("scheduler stopped")
)

// PanicError is a run that panicked. The panic was recovered and logged with
// its stack; the scheduler and the job's next runs go on.
type PanicError struct {
	Job   string
	Value any    // what was passed to panic
	Stack []byte // the panicking goroutine's stack
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("job %s panicked: %v", e.Job, e.Value)
}

// Unwrap returns the panic value when it was an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}
