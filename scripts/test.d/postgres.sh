# Sourced by scripts/test.sh: starts a throwaway PostgreSQL cluster on
# loopback (Debian's postgresql package) for the tests, exports
# ROLLCALL_TEST_POSTGRES_URL, and stops and removes it when the test
# command exits. initdb refuses root, so as root the cluster runs as
# nobody. Tests create a database of their own on it for isolation.
pg_start() {
	local bin port try run=()
	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$bin" ]; then
		echo "PostgreSQL is not installed (Debian package postgresql)" >&2
		return 1
	fi
	PG_TEST_DIR=$(mktemp -d /tmp/rollcall-pg.XXXXXX)
	if [ "$(id -u)" -eq 0 ]; then
		chown nobody:nogroup "$PG_TEST_DIR"
		run=(runuser -u nobody --)
	fi
	"${run[@]}" "$bin/initdb" -D "$PG_TEST_DIR/data" -U rollcall --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_TEST_DIR/initdb.log" 2>&1 ||
		{ cat "$PG_TEST_DIR/initdb.log" >&2; return 1; }
	for try in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 30000))
		# A test cluster: no fsync, nothing kept across a crash of the machine.
		if "${run[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -w -t 60 -l "$PG_TEST_DIR/server.log" \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $PG_TEST_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
			start >/dev/null; then
			PG_TEST_BIN=$bin
			PG_TEST_RUN=("${run[@]}")
			export ROLLCALL_TEST_POSTGRES_URL="postgres://rollcall@127.0.0.1:$port/postgres?sslmode=disable"
			echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($PG_TEST_DIR)"
			return 0
		fi
	done
	cat "$PG_TEST_DIR/server.log" >&2
	return 1
}
pg_stop() {
	if [ -n "${PG_TEST_DIR:-}" ] && [ -d "$PG_TEST_DIR/data" ]; then
		"${PG_TEST_RUN[@]}" "$PG_TEST_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate stop >/dev/null 2>&1 || true
		rm -rf "$PG_TEST_DIR"
	fi
}
if [ -z "${ROLLCALL_TEST_POSTGRES_URL:-}" ]; then
	pg_start
	trap pg_stop EXIT
fi
