// Package deploy owns how Rollcall is run and watched: the container image
// (Dockerfile), the Kubernetes kustomize base, the systemd unit, the
// Prometheus recording and alerting rules with their promtool tests, the
// Grafana dashboard, and the operator runbook (README.md).
//
// It holds no Go code that the binary uses. Its tests check that these files
// agree with each other and with the binary: the ports, probe paths, mounts
// and arguments of the manifests match the image's command, and every metric
// the rules and the dashboard query is one that rollcall exports.
package deploy
