#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL server on loopback, in a temporary data directory.
#   source .ci/postgres.sh && pg_start   -> exports EYANALYSIS_TEST_PG_URL
#   pg_stop                              -> stops it and removes the data directory
# Debian's server binaries live in /usr/lib/postgresql/<version>/bin; as root the server
# runs as the "postgres" user (initdb refuses to run as root).

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    echo "PostgreSQL server binaries not found: apt-get install -y postgresql" >&2
    return 1
  fi
  echo "$dir"
}

pg_as() {  # run a command as the server's user
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  local bin port
  bin=$(pg_bin) || return 1
  PG_TMP=$(mktemp -d /tmp/eyanalysis-pg.XXXXXX)
  [ "$(id -u)" = "0" ] && chown postgres: "$PG_TMP"
  port=${PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
  pg_as "$bin/initdb" -D "$PG_TMP/data" -U postgres -A trust --no-sync >/dev/null
  pg_as "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/log" -w \
    -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  export PG_TMP PG_BIN="$bin"
  export EYANALYSIS_TEST_PG_URL="postgresql+psycopg2://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL up on 127.0.0.1:$port (data in $PG_TMP)"
}

pg_stop() {
  if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP/data" ]; then
    pg_as "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m fast -w stop >/dev/null || true
    rm -rf "$PG_TMP"
    echo "PostgreSQL stopped"
  fi
}
