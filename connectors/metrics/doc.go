// Package metrics owns Rollcall's Prometheus metrics of the sync side: runs
// and their duration, last attempt and success, changes applied, desired,
// overflowing and skipped people, held plans awaiting approval, requests and
// retries to vendor APIs, and license seats.
//
// Metric names and labels are a contract: alert rules and the Grafana
// dashboard in deploy/ are written against them. Rename nothing without
// changing those in the same commit; Names lists what is registered.
//
// Label values are bounded: deployment, connector and license are names
// from the config file or created by an admin, result, action and reason
// are fixed sets, and code is an HTTP status.
package metrics
