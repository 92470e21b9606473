#!/bin/sh
# Checks and unit-tests the Prometheus rules. CI calls this; it needs
# promtool on PATH (or in $(go env GOPATH)/bin):
#   go install github.com/prometheus/prometheus/cmd/promtool@v0.316.0 (scripts/test.sh does)
set -eu
cd "$(dirname "$0")"
PROMTOOL=${PROMTOOL:-promtool}
if ! command -v "$PROMTOOL" >/dev/null 2>&1; then
	PROMTOOL="$(go env GOPATH)/bin/promtool"
fi
"$PROMTOOL" --version | head -n 1
"$PROMTOOL" check rules rules.yml
"$PROMTOOL" test rules rules_test.yml
