// Package syncstate owns what Rollcall remembers about its syncs: the
// bounded history of runs of every deployment (with the last success kept
// beyond the bound), the plans held for approval, and the deployments
// created at run time.
//
// It lives in its own bbolt file, not in the license store's, because its
// lifecycle is independent of the licenses it describes: deleting the file
// resets sync history and pending approvals without touching a single
// license, member or claim (the next sync re-plans from the store, which is
// the truth), a backup of the licenses need not carry run history, and a
// busy sync schedule writing run records never holds the license store's
// single writer lock. Run-time deployments are the one piece an operator
// would miss after such a reset; they are listed by Deployments and can be
// exported before deleting the file.
//
// The bucket tree and every key name are in buckets.go; schema migrations,
// run in one transaction at Open, are in migrations.go.
package syncstate
