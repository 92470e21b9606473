#!/usr/bin/env bash
# Runs every Rollcall test on a fresh machine that has Go: installs the
# real programs the tests drive (Debian's chromium, promtool, PostgreSQL,
# slapd, Google's Python client) when they are missing, then the Go tests
# with the race detector, then the alert-rule tests. Each step says what
# it is doing, so a long one never looks hung.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:$(go env GOPATH)/bin"
step() { printf '\n== [%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# Debian packages the tests need, by the command or module that shows
# each is there.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v promtool >/dev/null 2>&1 || need+=(prometheus) # promtool ships in Debian's prometheus package
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
[ -x /usr/sbin/slapd ] || need+=(slapd ldap-utils)
/usr/bin/python3 -c 'import googleapiclient, google.oauth2.service_account, google_auth_httplib2' >/dev/null 2>&1 ||
	need+=(python3-googleapi python3-google-auth python3-google-auth-httplib2)
/usr/bin/python3 -c 'import jwt, cryptography' >/dev/null 2>&1 || need+=(python3-jwt python3-cryptography) # the PyJWT LTI client
if ((${#need[@]})); then
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing Debian packages: ${need[*]}; install them (as root: apt-get install ${need[*]}) and run again" >&2
		exit 1
	fi
	# The packages download and unpack while the tests compile: apt waits
	# on the network and the disk, the compiler on the CPU. The warm-up
	# only fills Go's build cache; the real run below reports any error.
	step "compiling the tests in the background while Debian packages install"
	warm_log=$(mktemp)
	go test -race -count=1 -run '^$' ./... >"$warm_log" 2>&1 &
	warm_pid=$!
	step "installing Debian packages: ${need[*]}"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
	step "waiting for the background compile to finish"
	wait "$warm_pid" || true
	rm -f "$warm_log"
fi

# npm clients that run against the fakes (independent clients), each
# pinned by the package-lock.json in its folder.
for dir in $(git ls-files '*/npmclient/package-lock.json' | xargs -r -n1 dirname); do
	if [ ! -d "$dir/node_modules" ]; then
		step "npm ci in $dir"
		npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
	fi
done

# Hooks for throwaway servers (PostgreSQL) that the tests find through the
# environment; each script exports what it starts and stops it on exit.
for hook in scripts/test.d/*.sh; do
	[ -e "$hook" ] || continue
	step "setting up: $hook"
	# shellcheck disable=SC1090
	source "$hook"
done

step "go test -race ./... (each package prints a line as it finishes)"
go test -race -timeout 60m -count=1 ./...

step "alert rules (promtool)"
bash deploy/prometheus/test.sh
step "all tests passed"
