package connectortest

import (
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Harness plugs one connector and its vendor fake into the suite.
type Harness struct {
	Name string // the connector type, for subtest names
	// Setup serves env.Roster from a fresh fake and opens the connector on
	// it as env asks (name, page size, observer, clock). It closes what it
	// starts with t.Cleanup.
	Setup func(t *testing.T, env Env) Instance
	// OneUnitPerPerson: the vendor places each person in exactly one unit
	// (a directory's org units). The suite then serves rosters reduced by
	// Roster.OneUnitEach and skips the folding case.
	OneUnitPerPerson bool
	// EmailRequired: the vendor cannot hold a person without an email. The
	// suite then serves rosters filled by Roster.WithEmails and skips the
	// no-email case.
	EmailRequired bool
	// WaitsOutRateLimits: the connector waits a rate limit out (its
	// retry.rate_window defaults to the vendor's quota window) instead of
	// counting it against its attempts, as issue 15 asks for Google's
	// per-minute quota. The suite then expects a limit lasting longer
	// than the attempts to be waited out, and only one that outlasts the
	// connector's whole rate wait (max_rate_wait) to fail.
	WaitsOutRateLimits bool
	// LocalSource: the connector reads a local file (a CSV bundle in a
	// drop folder), which has no rate limits, server errors, credentials or
	// slow pages. The suite skips the cases that need them.
	LocalSource bool
}

// Env is what the suite asks of one Setup.
type Env struct {
	Roster Roster
	// Name is the connector instance name (OpenOptions.Name); errors that
	// reach an admin must contain it.
	Name string
	// PageSize is the page size the connector must ask its vendor for.
	PageSize int
	// Upstream must be the connector's OpenOptions.Upstream.
	Upstream *Recorder
	// Clock must be what the connector's retries sleep on and time by.
	Clock *Clock
}

// Instance is one fake serving a roster and a connector reading it.
type Instance struct {
	Connector connectors.Connector
	// Selection takes the whole roster: every unit, mapped so that the
	// vendor's teacher roles are teachers and student roles students.
	Selection connectors.Selection
	Faults    Faults
	// Requests counts the listing requests (pages) the fake has received,
	// failed ones included.
	Requests func() int
	// MaxAttempts is how many times the connector tries one request
	// before giving up (the first try included).
	MaxAttempts int
	// ExternalID maps a roster person id to the id the connector reports;
	// nil when the fake serves roster ids as they are.
	ExternalID func(rosterID string) string
}

// Faults are the fake's switches, in vendor-neutral terms. Each is safe to
// flip while requests are in flight.
type Faults interface {
	// RateLimit answers the next n API requests with the vendor's "slow
	// down" signal and returns the least wait that signal asks for (zero
	// when the vendor names none).
	RateLimit(n int) time.Duration
	// ServerErrors answers the next n API requests with a 5xx.
	ServerErrors(n int)
	// FailOnPage makes page n (1-based) of every listing fail each time it
	// is asked for: with an error worth retrying (retryable) or not.
	FailOnPage(n int, retryable bool)
	// BadCredentials makes the fake refuse the connector's credentials
	// from now on and returns the vendor's words for it, which the
	// connector's error must carry.
	BadCredentials() string
	// SlowPages delays every listing page by d; the delay ends early when
	// the client goes away.
	SlowPages(d time.Duration)
	// Empty makes the source answer nobody at all.
	Empty()
}
