// Package pgauth keeps Rollcall's API tokens, browser sessions and pending
// OpenID Connect sign-ins in PostgreSQL: an auth.Storage that several
// `rollcall serve` replicas share, beside the embedded bbolt file that
// auth.Open makes. The rules stay in auth.Store; this package keeps rows,
// passes the auth/authtest conformance suite, and owns the auth_* tables
// and their schema migrations (migrations/, applied in order at open).
package pgauth
