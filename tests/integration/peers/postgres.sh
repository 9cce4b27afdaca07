# peers/postgres.sh — a throwaway PostgreSQL 15 server for a test (sourced after lib.sh, not run): initdb and
# pg_ctl under `runuser -u postgres` in a temp directory, listening on 127.0.0.1 only, fsync off
# (the tests kill tickflow, never the machine), stopped and removed when the test exits.
PGBIN=/usr/lib/postgresql/15/bin
[[ -x $PGBIN/pg_ctl ]] || fail "PostgreSQL 15 is not installed (scripts/deps.sh installs it)"
PGD=$(mktemp -d /tmp/tickflow-pg.XXXXXX)
chown postgres "$PGD"
PGPORT=$(free_port)
pg() { runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGD/data" "$@"; }
pg_start() {
	pg -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGD -c fsync=off" -l "$PGD/log" -w -t 30 start >/dev/null ||
		{ cat "$PGD/log"; fail "postgres did not start"; }
}
pg_stop() { pg -m fast -w -t 30 stop >/dev/null; }
trap 'pg -m immediate -w -t 30 stop >/dev/null 2>&1 || true; cleanup; rm -rf "$PGD"' EXIT
runuser -u postgres -- "$PGBIN/initdb" -D "$PGD/data" -A trust -U tickflow >/dev/null || fail "initdb"
pg_start

# pg_createdb NAME: a database owned by tickflow.
pg_createdb() { psql -X -q -h 127.0.0.1 -p "$PGPORT" -U tickflow -d postgres -c "CREATE DATABASE $1" || fail "createdb $1"; }
# pg_url NAME: its connection URL.
pg_url() { echo "postgresql://tickflow@127.0.0.1:$PGPORT/$1"; }
