// Package storetest is the conformance suite of license.Store: Run states
// every rule of the store as a test, and each backend runs it from its own
// _test.go. A new backend is done when it passes.
//
// Where license.Store leaves an order to the backend, the suite fixes it,
// so every backend pages alike:
//   - ListMembers sorts by the column, then by email. Name compares
//     lower-cased; role, org unit and source (a member's first source, in
//     source order) compare as bytes; added compares as time. Desc reverses
//     the whole order, ties included.
//   - Stored times come back in UTC, equal (time.Time.Equal) to what went in.
//   - Overflowing adds write no audit event, so a sync repeated against a
//     full license writes nothing.
//   - Apply judges expiry at ApplyOptions.Now; Entitlement at the store's
//     own clock.
//   - A cursor that is not one the store made is ErrInvalid.
package storetest
