// Package connectors owns the sync side of Rollcall: the Connector
// interface every source system implements, the registry of connector
// types, and the Deployment that binds part of a source to one license.
//
// The shared machinery lives in subpackages beside the vendors:
// connectors/reconcile (the planner and its guards), connectors/syncstate
// (runs, pending plans and run-time deployments in bbolt),
// connectors/schedule (cron), connectors/metrics (Prometheus) and
// connectors/engine (one sync run, end to end). Each source system is one
// package: connectors/static, connectors/googledirectory, ...
//
// Connectors read; only the planner and the store write.
package connectors
