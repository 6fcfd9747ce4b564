#!/usr/bin/env bash
# End-to-end tests of browser mode: builds the UI and the `onemap` binary (or runs $ONEMAP_BIN),
# makes a SQLite store loaded with the bundled dataset, the test users (admin, district, street,
# leader, planner; one random password in ONEMAP_E2E_PASSWORD) and an intake key
# (ONEMAP_E2E_API_KEY), then for each spec file in ui/tests/specs/ (or only those named:
# `bash scripts/e2e.sh map cases`) gives a fresh copy of that store to `onemap serve` on a free
# loopback port with the bundled dataset, runs the spec
# (playwright-core driving Debian's /usr/bin/chromium, headless, SwiftShader) and stops the
# server. A spec may ask for more server flags with a line `// e2e-serve-args: FLAGS` (e.g. a
# fast clock for deadlines). Needs: node/npm, chromium, fonts-noto-cjk. The last line is
# `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/onemap/target}"
export npm_config_cache="${npm_config_cache:-$HOME/.cache/onemap/npm}"
DATA="${ONEMAP_DATA:-geodata/guangming}"

step() { echo "== $*" >&2; }

step "UI: npm install && npm run build"
(cd ui && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm install --prefer-offline --no-audit --no-fund >&2; } && npm run build >&2)

# ONEMAP_BIN: run that `onemap` binary (scripts/test.sh passes the one its cargo test built)
# instead of building one.
if [ -n "${ONEMAP_BIN:-}" ]; then
  BIN=$ONEMAP_BIN
else
  step "cargo build -p onemap-cli"
  cargo build -p onemap-cli >&2
  BIN="$CARGO_TARGET_DIR/debug/onemap"
fi

if [ $# -gt 0 ]; then
  SPECS=()
  for n in "$@"; do SPECS+=("ui/tests/specs/${n%.mjs}.mjs"); done
else
  SPECS=(ui/tests/specs/*.mjs)
fi

SERVER=""
DB=""
TEMPLATE="$(mktemp -d)"
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  [ -n "$DB" ] && rm -rf "$DB"
  SERVER=""
  DB=""
}
trap 'cleanup; rm -rf "$TEMPLATE"' EXIT

# One store is made and loaded with the dataset (layers, matters, the case history) once; each
# spec gets a copy of it as its fresh store. Browser mode needs a login: the users every spec may
# sign in as (ui/tests/harness.mjs), all with one random password, and an intake key.
step "a fresh store with the dataset and the e2e users (copied for each spec)"
ONEMAP_E2E_PASSWORD="e2e-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
export ONEMAP_E2E_PASSWORD
"$BIN" db init --data "$DATA" --database-url "sqlite:$TEMPLATE/onemap.db" >/dev/null
for u in admin:admin district:district_operator street:street_operator:440311001 leader:leader planner:planner; do
  IFS=: read -r uname role street <<<"$u"
  printf '%s\n' "$ONEMAP_E2E_PASSWORD" | "$BIN" users add "$uname" --role "$role" ${street:+--street "$street"} \
    --password-stdin --database-url "sqlite:$TEMPLATE/onemap.db" >/dev/null
done
ONEMAP_E2E_API_KEY="$("$BIN" keys add e2e-intake --channel app --rate 100000 --database-url "sqlite:$TEMPLATE/onemap.db" 2>/dev/null)"
export ONEMAP_E2E_API_KEY

total_passed=0
total_failed=0
for spec in "${SPECS[@]}"; do
  name=$(basename "$spec" .mjs)
  PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  DB="$(mktemp -d)"
  LOG="$DB/serve.log"
  cp "$TEMPLATE"/onemap.db* "$DB/"
  # A spec may ask for more server flags in a line of its own: `// e2e-serve-args: --clock-speed 60`.
  SPEC_ARGS="$(sed -n 's#^// e2e-serve-args: ##p' "$spec" | head -n 1)"
  step "spec $name: onemap serve on 127.0.0.1:$PORT ($DATA, fresh SQLite store, e2e users) ${SPEC_ARGS}"
  # shellcheck disable=SC2086 # the flags are words
  "$BIN" serve --listen "127.0.0.1:$PORT" --data "$DATA" --database-url "sqlite:$DB/onemap.db" \
    ${ONEMAP_E2E_SERVE_ARGS:-} $SPEC_ARGS >"$LOG" 2>&1 &
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
