package googleauth

import "github.com/rollcall-sync/rollcall/connectors/httpretry"

// Retry bounds the retries of one API call. It is the `retry:` block of a
// Google connector's settings.
type Retry = httpretry.Retry

// Clock is the time the retries see; tests pass one whose Sleep only
// advances Now.
type Clock = httpretry.Clock

// Retry defaults.
const (
	DefaultMaxAttempts = httpretry.DefaultMaxAttempts
	DefaultMaxElapsed  = httpretry.DefaultMaxElapsed
	DefaultBaseDelay   = httpretry.DefaultBaseDelay
)
