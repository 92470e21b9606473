package oneroster

import "github.com/rollcall-sync/rollcall/connectors/oauth1"

// OneRoster 1.1 signs every request with OAuth 1.0a (RFC 5849) in its
// two-legged form: a consumer key and secret, no token, HMAC-SHA256. The
// signer is connectors/oauth1's, shared with Schoology; it sits under the
// retries, so each attempt gets its own nonce and timestamp.

// randomNonce is the nonce source of a default connector.
func randomNonce() (string, error) { return oauth1.RandomNonce() }
