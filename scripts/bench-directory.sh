#!/usr/bin/env bash
# Benchmarks the google-directory connector at district scale against the
# Directory fake running OUT OF PROCESS (connectors/googledirectory/fake/
# cmd/fakedirectory), each phase in its own process so that /usr/bin/time
# reports its peak RSS alone. Prints, per size:
#   floor      Google's Go client paging the fake one page after another, no store
#   read       the connector's read alone (no store)
#   first      first sync into an empty bbolt store (engine, planner, store)
#   unchanged  resync of an unchanged source (must write nothing to the store)
#   churn      resync after 1 % of the people changed
# with each time's ratio to the floor of the same run, then Google's shape
# (200 ms a page, 2,400 requests a minute) for the connector's read with
# its default quota settings, how many requests the fake refused, and how
# long the client and the fake waited for a CPU (the machine is shared).
#
# Environment (all optional):
#   SIZES="200000 1000000"         district sizes for the phases
#   GOOGLE_SIZES="100000 1000000"  sizes for Google's shape ("" to skip)
#   REPEAT=1                       runs of floor and read; the minimum counts
#   LATENCY=200ms QUOTA=2400       Google's shape
# A quick run: SIZES=20000 GOOGLE_SIZES=20000 scripts/bench-directory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES-"200000 1000000"}
GOOGLE_SIZES=${GOOGLE_SIZES-"100000 1000000"}
REPEAT=${REPEAT:-1}
LATENCY=${LATENCY:-200ms}
QUOTA=${QUOTA:-2400}
[ -x /usr/bin/time ] || { echo "bench-directory: /usr/bin/time (Debian package time) is required for peak RSS" >&2; exit 1; }

work=$(mktemp -d)
fakepid=
cleanup() {
	if [ -n "$fakepid" ]; then kill "$fakepid" 2>/dev/null || true; wait "$fakepid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "building the fake and the benchmark binary in $work" >&2
go build -o "$work/fakedirectory" ./connectors/googledirectory/fake/cmd/fakedirectory
go test -c -o "$work/bench.test" ./connectors/googledirectory/bench

# start_fake PEOPLE [flags...]: starts the fake, waits for its ready file.
start_fake() {
	local people=$1
	shift
	fakedir="$work/fake-$people-$RANDOM"
	mkdir -p "$fakedir" "$fakedir/state"
	"$work/fakedirectory" -people "$people" -dir "$fakedir" "$@" 2>"$fakedir/log" &
	fakepid=$!
	for _ in $(seq 1 1200); do
		[ -f "$fakedir/ready.json" ] && return 0
		kill -0 "$fakepid" 2>/dev/null || { cat "$fakedir/log" >&2; exit 1; }
		sleep 0.5
	done
	echo "bench-directory: the fake did not start in 10 minutes" >&2
	exit 1
}

# fake_cpu: CPU seconds the fake has used so far (user + system).
fake_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$fakepid/stat"
}

# runq PID: seconds PID's threads have waited for a CPU so far (schedstat).
runq() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $2 } END { printf "%.1f", s / 1e9 }'; }

stop_fake() {
	kill "$fakepid"
	wait "$fakepid" 2>/dev/null || true
	fakepid=
}

# phase NAME [env...]: runs BenchmarkDirectoryNAME once; sets secs and rss (MB).
phase() {
	local name=$1
	shift
	if ! /usr/bin/time -v -o "$work/time.txt" env ROLLCALL_BENCH_READY="$fakedir/ready.json" \
		ROLLCALL_BENCH_DIR="$fakedir/state" "$@" "$work/bench.test" -test.run '^$' \
		-test.bench "^BenchmarkDirectory${name}\$" -test.benchtime 1x >"$work/out.txt" 2>&1; then
		cat "$work/out.txt" >&2
		exit 1
	fi
	grep -q "^BenchmarkDirectory${name}" "$work/out.txt" || { cat "$work/out.txt" >&2; exit 1; }
	secs=$(awk -v n="BenchmarkDirectory${name}" 'index($1, n) == 1 { printf "%.2f", $3 / 1e9 }' "$work/out.txt")
	rss=$(awk -F: '/Maximum resident set size/ { printf "%d", $2 / 1024 }' "$work/time.txt")
	cpu=$(awk -F: '/User time|System time/ { t += $2 } END { printf "%.1f", t }' "$work/time.txt")
	extra=$(awk -v n="BenchmarkDirectory${name}" 'index($1, n) == 1 { for (i = 5; i < NF; i += 2) printf "%s=%s ", $(i+1), $i }' "$work/out.txt")
}

# best NAME [env...]: the minimum of REPEAT runs.
best() {
	local b= brss= bcpu= bextra=
	for _ in $(seq 1 "$REPEAT"); do
		phase "$@"
		if [ -z "$b" ] || awk -v a="$secs" -v b="$b" 'BEGIN { exit !(a < b) }'; then b=$secs brss=$rss bcpu=$cpu bextra=$extra; fi
	done
	secs=$b rss=$brss cpu=$bcpu extra=$bextra
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

for n in $SIZES; do
	echo "== $n users: fake out of process, no latency, no quota (the connector's quota set out of the way)" >&2
	start_fake "$n"
	nolimit=(ROLLCALL_BENCH_QUOTA=1000000)
	best Floor
	floor=$secs floor_rss=$rss floor_cpu=$cpu
	best Read "${nolimit[@]}"
	read_s=$secs read_rss=$rss read_cpu=$cpu read_extra=$extra
	phase FirstSync "${nolimit[@]}"
	first=$secs first_rss=$rss first_cpu=$cpu first_extra=$extra
	phase Resync "${nolimit[@]}"
	unchanged=$secs unchanged_rss=$rss unchanged_cpu=$cpu unchanged_extra=$extra
	phase Churn "${nolimit[@]}"
	churn=$secs churn_rss=$rss churn_cpu=$cpu churn_extra=$extra
	stop_fake
	printf '\n%s users (load average %s)\n' "$n" "$(cut -d' ' -f1-3 /proc/loadavg)"
	printf '  %-10s %8s  %6s  %9s  %s\n' phase wall ratio "client CPU" "peak RSS"
	row() { printf '  %-10s %7ss  %5sx  %8ss  %5s MB  %s\n' "$1" "$2" "$(ratio "$2" "$floor")" "$3" "$4" "${5-}"; }
	row floor "$floor" "$floor_cpu" "$floor_rss"
	row read "$read_s" "$read_cpu" "$read_rss" "$read_extra"
	row first "$first" "$first_cpu" "$first_rss" "$first_extra"
	row unchanged "$unchanged" "$unchanged_cpu" "$unchanged_rss" "$unchanged_extra"
	row churn "$churn" "$churn_cpu" "$churn_rss" "$churn_extra"
done

for n in $GOOGLE_SIZES; do
	echo "== $n users: Google's shape, $LATENCY a page, $QUOTA requests a minute" >&2
	start_fake "$n" -latency "$LATENCY" -quota "$QUOTA"
	fake0=$(fake_cpu) fakeq0=$(runq "$fakepid")
	# The client's wait for a CPU, sampled while it runs (it is gone after).
	rm -f "$work/clientq"
	( while kill -0 $$ 2>/dev/null && sleep 0.5; do p=$(pgrep -n -f "^$work/bench.test") && q=$(runq "$p") && echo "$q" >"$work/clientq"; done ) &
	qpid=$!
	phase Read ROLLCALL_BENCH_QUOTA="$QUOTA"
	kill "$qpid" 2>/dev/null || true
	wait "$qpid" 2>/dev/null || true
	fakecpu=$(awk -v a="$(fake_cpu)" -v b="$fake0" 'BEGIN { printf "%.1f", a - b }')
	fakeq=$(awk -v a="$(runq "$fakepid")" -v b="$fakeq0" 'BEGIN { printf "%.1f", a - b }')
	counts=$(curl -fsS "$(sed -n 's/.*"control": "\(.*\)".*/\1/p' "$fakedir/ready.json")/counts")
	stop_fake
	printf "\nGoogle's shape, %s users (load average %s): read %ss, client CPU %ss, fake CPU %ss, peak RSS %s MB, fake's counts %s\n" \
		"$n" "$(cut -d' ' -f1-3 /proc/loadavg)" "$secs" "$cpu" "$fakecpu" "$rss" "$counts"
	printf "  waiting for a CPU (run queue): client %ss, fake %ss\n" "$(cat "$work/clientq" 2>/dev/null || echo '?')" "$fakeq"
done
