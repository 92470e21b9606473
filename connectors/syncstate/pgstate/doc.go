// Package pgstate keeps the sync state (syncstate.Backend: run records,
// pending plans, run-time deployments, deployment health and calendar
// window marks) in PostgreSQL, so that several rollcall processes can
// share it. It behaves as the bbolt backend does, record for record: run
// IDs count up by one per deployment with no gap, history is trimmed to
// the same limit in the same transaction, the last success outlives the
// trimming, and a run left "running" by a process that died is there for
// the next one to find (Unfinished).
//
// Its tables are all named syncstate_*, and its schema version is kept in
// its own table, syncstate_schema_version, so it can live in the same
// database as the license store and the auth tables, each migrating on its
// own. The migrations are the SQL files under migrations/, embedded and run
// in one transaction at Open (see migrate.go).
package pgstate
