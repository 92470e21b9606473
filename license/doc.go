// Package license owns Rollcall's core license store: the domain types
// (License, Member, Claim, Role, Source, feature permissions, domains and
// admins), the Store interface every backend implements, and the rules that
// hold whatever the backend: membership is the union of claims, seats are
// never overfilled, expired licenses take no one new, and every change is
// recorded as an audit Event.
//
// Backends live in subpackages (license/bolt is the embedded default) and
// prove themselves by passing license/storetest. The query language and CSV
// import/export live in license/query and license/csvio.
package license
