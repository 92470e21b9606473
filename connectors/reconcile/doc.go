// Package reconcile owns the sync planner: it turns what a connector says
// about its people into a Plan of claim changes for one deployment, guards
// that plan, renders it for a dry run, and applies it to a license.Store.
//
// A sync is level-based, in the manner of controller-runtime's reconcilers:
// every run compares the whole desired state (a Snapshot, read by Collect)
// with the deployment's whole current state (its claims in the store) and
// writes only the difference, so a run is safe to repeat and safe to abandon
// half way. Nothing outside the deployment's own source is ever in a plan.
//
// The flow is Collect → Build → Apply:
//
//   - Collect reads the connector to the end or returns an error and no
//     snapshot at all, so a source that fails part way can never look like
//     one whose people left. CollectWith keeps a large snapshot on disk as
//     sorted runs (spill.go, collect.go) that every later pass merges as
//     it reads, so a sync of a million people holds a run, not the district.
//   - Build merge-joins the snapshot (sorted by email) with the store's
//     claims of the deployment's source (also in email order) and evaluates
//     the guards: deletion limit (removals held for approval), empty source
//     (no removals), seat limit (overflow reported) and expired license (no
//     adds).
//   - Build notes adds by their place in the snapshot (adds.go); Apply
//     reads them back in seat order.
//   - Apply writes removals, updates and adds in bounded batches. Held
//     removals become a pending plan (Plan.Pending) that Approve applies
//     later, only if the deployment's claims are still what they were.
package reconcile
