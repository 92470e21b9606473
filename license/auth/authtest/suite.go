// Package authtest is the conformance suite for auth.Storage: every
// backend (the bbolt file of auth.Open, PostgreSQL in package pgauth) runs
// Run from its own _test.go and must pass all of it. The suite drives the
// storage through auth.Store, the way the server does, and also checks the
// storage contract directly: records come back exactly as written, keys
// are the SHA-256 of the secret, a pending sign-in is taken once, and what
// one process wrote survives a close and reopen.
package authtest

import (
	"testing"

	"github.com/rollcall-sync/rollcall/license/auth"
)

// Opener opens one storage. Every call opens the same data: what a
// storage wrote before it was closed, the next one sees. The suite closes
// what it opens, and never has two open at once.
type Opener func(t *testing.T) auth.Storage

// Run runs the suite. fresh returns an Opener on new, empty storage; it is
// called once for each subtest, so subtests never see each other's data.
func Run(t *testing.T, fresh func(t *testing.T) Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"TokenCreateAndList", testTokenCreateAndList},
		{"TokenBadInput", testTokenBadInput},
		{"TokenLookupBySecret", testTokenLookupBySecret},
		{"TokenExpiry", testTokenExpiry},
		{"TokenRevoke", testTokenRevoke},
		{"TokenRecordRoundTrip", testTokenRecordRoundTrip},
		{"SessionCreateGet", testSessionCreateGet},
		{"SessionTTL", testSessionTTL},
		{"SessionExpiryAndSweep", testSessionExpiryAndSweep},
		{"SessionFollowsToken", testSessionFollowsToken},
		{"SessionDelete", testSessionDelete},
		{"PendingLogin", testPendingLogin},
		{"ParallelCreates", testParallelCreates},
		{"ParallelRevokeAndTake", testParallelRevokeAndTake},
		{"Reopen", testReopen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, fresh(t))
		})
	}
}
