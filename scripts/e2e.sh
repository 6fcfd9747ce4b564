#!/usr/bin/env bash
# End-to-end tests of browser mode: builds the UI and the `onemap` binary, starts
# `onemap serve` on a free loopback port with the bundled dataset, runs the Playwright specs
# (playwright-core driving Debian's /usr/bin/chromium, headless, SwiftShader), stops the server.
# Needs: node/npm, chromium, fonts-noto-cjk. The last line is `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/root/.cache/onemap/target}"
export npm_config_cache="${npm_config_cache:-/root/.cache/onemap/npm}"
DATA="${ONEMAP_DATA:-geodata/guangming}"
LOG="${TMPDIR:-/tmp}/onemap-e2e-serve.$$.log"

step() { echo "== $*" >&2; }

step "UI: npm install && npm run build"
(cd ui && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm install --prefer-offline --no-audit --no-fund >&2; } && npm run build >&2)

step "cargo build -p onemap-cli"
cargo build -p onemap-cli >&2
BIN="$CARGO_TARGET_DIR/debug/onemap"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
step "onemap serve on 127.0.0.1:$PORT ($DATA)"
DB="$(mktemp -d)"
# A fresh SQLite store: the first run loads the dataset into it (the case history takes a while).
"$BIN" serve --listen "127.0.0.1:$PORT" --data "$DATA" --database-url "sqlite:$DB/onemap.db" >"$LOG" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DB"; }
trap cleanup EXIT

for _ in $(seq 1 480); do
  if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER" 2>/dev/null; then cat "$LOG" >&2; echo "0 passed, 1 failed"; exit 1; fi
  sleep 0.5
done
cat "$LOG" >&2

step "specs"
set +e
OUT="$(cd ui && node tests/e2e.mjs "http://127.0.0.1:$PORT/" 2>&1)"
STATUS=$?
set -e
printf '%s\n' "$OUT" | sed '$d'
cleanup
trap - EXIT
SUMMARY="$(printf '%s\n' "$OUT" | tail -n 1)"
case "$SUMMARY" in
  *" passed, "*" failed") ;;
  *) SUMMARY="0 passed, 1 failed" ; STATUS=1 ;;
esac
echo "$SUMMARY"
exit "$STATUS"
