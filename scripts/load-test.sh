#!/usr/bin/env bash
# The intake load test of issue 5: `onemap serve` (release build, the bundled Guangming dataset,
# a fresh store) and `onemap simulate --load` on the same loopback, N concurrent Open311 clients
# for a while; then the database is checked to hold exactly the acknowledged requests. Then the
# same again with the server killed by SIGKILL a third of the way in and restarted on the same
# store: every request acknowledged before the kill (and after the restart) must be there.
#
#   bash scripts/load-test.sh [--engine sqlite|postgres|both] [--clients 200] [--duration 60s]
#                             [--rate 2000/s]   # the clients share a set rate (latency at that load)
#   bash scripts/load-test.sh --quick     # 20 clients, 6 s, both engines: a smoke run for CI
#   ONEMAP_BIN=path/to/onemap bash scripts/load-test.sh …   # that binary, no build
#
# PostgreSQL runs on the private test cluster (scripts/pg-test-server.sh). Prints one JSON line
# per run (the simulator's figures) and a summary table at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/onemap/target}"

ENGINES=both CLIENTS=200 DURATION=60s PROFILE=release RATE_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) ENGINES=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --rate) RATE_ARGS=(--load-rate "$2"); shift 2 ;;
    --quick) CLIENTS=20; DURATION=6s; shift ;;
    --debug) PROFILE=debug; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$ENGINES" = both ] && ENGINES="sqlite postgres"

step() { echo "== $*" >&2; }
# ONEMAP_BIN: run that `onemap` binary (scripts/test.sh passes the one its cargo test built)
# instead of building one.
if [ -n "${ONEMAP_BIN:-}" ]; then
  BIN=$ONEMAP_BIN
else
  if [ "$PROFILE" = release ]; then
    step "cargo build --release -p onemap-cli"
    cargo build --release -p onemap-cli >&2
  else
    cargo build -p onemap-cli >&2
  fi
  BIN="$CARGO_TARGET_DIR/$PROFILE/onemap"
fi
SECS=${DURATION%s}

WORK="$(mktemp -d)"
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill -9 "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

new_db() { # engine name → database URL
  case "$1" in
    sqlite) echo "sqlite:$WORK/$2.db" ;;
    postgres)
      local base
      base=$(bash scripts/pg-test-server.sh start)
      psql -q "$base" -c "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2" >/dev/null
      echo "${base%/*}/$2" ;;
  esac
}

start_server() { # db port log
  "$BIN" serve --listen "127.0.0.1:$2" --data geodata/guangming --database-url "$1" >>"$3" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$2/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER" 2>/dev/null || { cat "$3" >&2; return 1; }
    sleep 0.5
  done
  cat "$3" >&2
  return 1
}

results=()
for engine in $ENGINES; do
  for mode in steady kill; do
    name="onemap_load_${engine}_${mode}_$$"
    db=$(new_db "$engine" "$name")
    port=$(free_port)
    log="$WORK/$name.log"
    # A key for the load generator, made before the server starts (the store is created here).
    key=$("$BIN" keys add load-test --channel hotline --rate 100000000 --database-url "$db" 2>/dev/null)
    step "$engine/$mode: onemap serve on 127.0.0.1:$port (loading the dataset into a fresh store)"
    start_server "$db" "$port" "$log"
    others=$(ps -eo pcpu=,comm= --sort=-pcpu | awk '$1 > 20 {print $2 "(" $1 "%)"}' | head -5 | tr '\n' ' ')
    step "$engine/$mode: $CLIENTS clients for $DURATION (busy before the run: ${others:-nothing})"
    acks="$WORK/$name.acks"
    if [ "$mode" = steady ]; then
      out=$("$BIN" simulate --url "http://127.0.0.1:$port/" --api-key "$key" --load --clients "$CLIENTS" \
        --duration "$DURATION" "${RATE_ARGS[@]}" --acks "$acks" --database-url "$db" --json)
      echo "$out"
      results+=("$engine"$'\t'"steady"$'\t'"$out")
    else
      "$BIN" simulate --url "http://127.0.0.1:$port/" --api-key "$key" --load --clients "$CLIENTS" \
        --duration "$DURATION" "${RATE_ARGS[@]}" --acks "$acks" --json >"$WORK/$name.out" &
      load=$!
      sleep "$(python3 -c "print(max(1.0, float('$SECS') / 3))")"
      step "$engine/kill: SIGKILL to the server (pid $SERVER), then a restart on the same store"
      kill -9 "$SERVER"; wait "$SERVER" 2>/dev/null || true
      start_server "$db" "$port" "$log"
      wait "$load" || true
      out=$(cat "$WORK/$name.out")
      echo "$out"
      verify=$("$BIN" simulate --verify "$acks" --database-url "$db")
      echo "$verify"
      results+=("$engine"$'\t'"kill"$'\t'"$out"$'\t'"$verify")
    fi
    kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true
    SERVER=""
    if [ "$engine" = postgres ]; then
      psql -q "$(bash scripts/pg-test-server.sh start)" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null || true
    fi
  done
done

echo
echo "| engine | run | clients | offered/s | acknowledged | requests/s | p50 ms | p99 ms | errors | lost |"
echo "|---|---|---|---|---|---|---|---|---|---|"
status=0
for r in "${results[@]}"; do
  # Tab-separated: the simulator's JSON has spaces in it ("HTTP 400").
  IFS=$'\t' read -r engine mode json rest <<<"$r"
  python3 - "$engine" "$mode" "$json" "$rest" <<'PY' || status=1
import json, sys
engine, mode, j, rest = sys.argv[1:5]
r = json.loads(j)
errors = sum(r["errors"].values())
if mode == "steady":
    lost = r.get("acknowledged_missing_from_db", "?")
    extra = r.get("db_new_cases", 0) - r["acknowledged"]
    note = "" if extra == 0 else f" (db grew by {r.get('db_new_cases')})"
    ok = lost == 0 and extra == 0
else:
    lost = 0 if " 0 missing" in rest else rest
    note = ""
    ok = lost == 0
offered = r.get("offered_per_second")
offered = "as fast as answered" if offered is None else f"{offered:.0f}"
print(f"| {engine} | {mode} | {r['clients']} | {offered} | {r['acknowledged']}{note} | {r['requests_per_second']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {errors} | {lost} |")
sys.exit(0 if ok else 1)
PY
done
exit $status
