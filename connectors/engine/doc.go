// Package engine runs syncs end to end: for one deployment it reads the
// source through its connector, plans against the license store with the
// reconcile guards, applies the plan, holds suspicious removals for
// approval, and records the run in sync state and in metrics. It also owns
// the schedule of every deployment and the approval of held plans.
//
// It is the only place where connectors, the planner, the store, sync
// state and metrics meet; cmd/rollcall wires it and the HTTP layer asks it
// questions through small interfaces.
package engine
