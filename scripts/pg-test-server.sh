#!/usr/bin/env bash
# A private PostgreSQL cluster for OneMap's multi-seat test suite.
#
#   bash scripts/pg-test-server.sh start   # init (first time) and start; prints the URL
#   bash scripts/pg-test-server.sh url     # prints the URL
#   bash scripts/pg-test-server.sh stop    # stops the cluster (data is kept)
#
# The cluster lives under ${ONEMAP_CACHE:-$HOME/.cache/onemap}/pg, listens ONLY on 127.0.0.1
# port ${ONEMAP_PG_PORT:-54329} (no Unix socket outside the cluster directory) and trusts
# loopback connections: it is a throwaway test server, never a production one. `start` is
# idempotent. When run as root the cluster is owned by and run as the `postgres` user.
set -euo pipefail

CACHE=${ONEMAP_CACHE:-$HOME/.cache/onemap}
PORT=${ONEMAP_PG_PORT:-54329}
DIR=$CACHE/pg
DATA=$DIR/data
LOG=$DIR/server.log
SUPERUSER=onemap

find_bin() {
  local d
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  echo "PostgreSQL server binaries not found: apt-get install postgresql" >&2
  exit 1
}

BIN=$(find_bin)

# as_owner CMD...: runs CMD as the cluster owner (postgres when we are root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url() { echo "postgres://$SUPERUSER@127.0.0.1:$PORT/postgres"; }

running() { [ -f "$DATA/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

init() {
  mkdir -p "$DIR"
  if [ "$(id -u)" = 0 ]; then
    # postgres must be able to traverse to the directory; the cache may be under /root, so the
    # parents that postgres cannot enter get the search bit (not read) for others.
    chown postgres "$DIR"
    local p=$DIR
    while [ "$p" != / ]; do
      p=$(dirname "$p")
      runuser -u postgres -- test -x "$p" || chmod o+x "$p"
    done
  fi
  as_owner "$BIN/initdb" -D "$DATA" -U "$SUPERUSER" --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 || {
    cat "$DIR/initdb.log" >&2
    exit 1
  }
  cat >"$DATA/pg_hba.conf" <<EOF
# OneMap test cluster: loopback only, trust.
local all all trust
host  all all 127.0.0.1/32 trust
EOF
  cat >>"$DATA/postgresql.conf" <<EOF
# OneMap test cluster
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 300
EOF
  [ "$(id -u)" = 0 ] && chown postgres "$DATA/pg_hba.conf" "$DATA/postgresql.conf"
}

case "${1:-}" in
  start)
    [ -f "$DATA/PG_VERSION" ] || init
    if ! running; then
      as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null || {
        tail -20 "$LOG" >&2
        exit 1
      }
    fi
    url
    ;;
  stop)
    if running; then as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; fi
    ;;
  url)
    url
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
