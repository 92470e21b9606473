// Package connectortest owns the conformance suite every connector runs
// against a fake of its vendor's API: Run takes a Harness (how to serve a
// vendor-neutral Roster from the connector's fake and open the connector
// on it) and checks the Connector contract the planner's safety rests on:
// the whole snapshot or an error, paging, role mapping, exclusion of
// inactive people, retries that honor the vendor's signals, clean
// failures, cancellation, and, through reconcile.Collect and a real bbolt
// store, that emails are normalized, people without one are skipped with a
// reason, duplicates fold to the strongest role, and a failed read removes
// nobody.
//
// A connector package runs it from its own _test.go:
//
//	func TestConformance(t *testing.T) {
//		connectortest.Run(t, connectortest.Harness{Name: "canvas", Setup: setup})
//	}
//
// Expectations are derived from the Roster alone, never from the fake's
// answers, so a fake and a connector that agree on a bug still fail.
package connectortest
