#!/usr/bin/env bash
# Runs every Rollcall test: installs the test tools that are missing
# (promtool for the alert rules), then the Go tests with the race detector,
# then the alert-rule tests. Works on a fresh machine that has Go.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:$(go env GOPATH)/bin"

if ! command -v promtool >/dev/null 2>&1; then
  echo "installing promtool (first run only)..."
  go install github.com/prometheus/prometheus/cmd/promtool@v0.316.0
fi

go test -race -timeout 60m -count=1 ./...
bash deploy/prometheus/test.sh
