#!/usr/bin/env bash
# End-to-end tests of browser mode: builds the UI and the `onemap` binary, then for each spec file
# in ui/tests/specs/ (or only those named: `bash scripts/e2e.sh map cases`) starts `onemap serve`
# on a free loopback port with the bundled dataset and a fresh SQLite store, runs the spec
# (playwright-core driving Debian's /usr/bin/chromium, headless, SwiftShader) and stops the
# server. Needs: node/npm, chromium, fonts-noto-cjk. The last line is `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/onemap/target}"
export npm_config_cache="${npm_config_cache:-$HOME/.cache/onemap/npm}"
DATA="${ONEMAP_DATA:-geodata/guangming}"

step() { echo "== $*" >&2; }

step "UI: npm install && npm run build"
(cd ui && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm install --prefer-offline --no-audit --no-fund >&2; } && npm run build >&2)

step "cargo build -p onemap-cli"
cargo build -p onemap-cli >&2
BIN="$CARGO_TARGET_DIR/debug/onemap"

if [ $# -gt 0 ]; then
  SPECS=()
  for n in "$@"; do SPECS+=("ui/tests/specs/${n%.mjs}.mjs"); done
else
  SPECS=(ui/tests/specs/*.mjs)
fi

SERVER=""
DB=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  [ -n "$DB" ] && rm -rf "$DB"
  SERVER=""
  DB=""
}
trap cleanup EXIT

total_passed=0
total_failed=0
for spec in "${SPECS[@]}"; do
  name=$(basename "$spec" .mjs)
  PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  DB="$(mktemp -d)"
  LOG="$DB/serve.log"
  step "spec $name: onemap serve on 127.0.0.1:$PORT ($DATA, fresh SQLite store)"
  # The first run loads the dataset into the fresh store (the case history takes a while).
  "$BIN" serve --listen "127.0.0.1:$PORT" --data "$DATA" --database-url "sqlite:$DB/onemap.db" \
    ${ONEMAP_E2E_SERVE_ARGS:-} >"$LOG" 2>&1 &
  SERVER=$!
  up=0
  for _ in $(seq 1 480); do
    if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then up=1; break; fi
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.5
  done
  if [ "$up" != 1 ]; then
    cat "$LOG" >&2
    echo "FAIL $name: the server did not become ready"
    total_failed=$((total_failed + 1))
    cleanup
    continue
  fi
  set +e
  OUT="$(node "$spec" "http://127.0.0.1:$PORT/" 2>&1)"
  STATUS=$?
  set -e
  printf '%s\n' "$OUT" | sed '$d'
  SUMMARY="$(printf '%s\n' "$OUT" | tail -n 1)"
  if [[ "$SUMMARY" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    total_passed=$((total_passed + BASH_REMATCH[1]))
    total_failed=$((total_failed + BASH_REMATCH[2]))
    [ "$STATUS" = 0 ] || [ "${BASH_REMATCH[2]}" != 0 ] || total_failed=$((total_failed + 1))
  else
    echo "FAIL $name: the spec ended without its summary line (exit $STATUS)"
    total_failed=$((total_failed + 1))
  fi
  if [ "$STATUS" != 0 ]; then
    echo "-- server log of spec $name:" >&2
    tail -40 "$LOG" >&2
  fi
  cleanup
done

echo "$total_passed passed, $total_failed failed"
[ "$total_failed" = 0 ]
