#!/usr/bin/env bash
# Desktop test: builds the Tauri app (UI embedded), launches it under Xvfb with the bundled
# dataset, waits until the webview reports the first complete map over IPC (the `map_ready`
# command writes $ONEMAP_READY_FILE), saves a screenshot of the screen with ImageMagick, records
# the resident memory of the app and its WebKit processes, and stops everything.
# Needs: xvfb, xauth, imagemagick, libwebkit2gtk-4.1, fonts-noto-cjk. Last line: `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/root/.cache/onemap/target}"
export npm_config_cache="${npm_config_cache:-/root/.cache/onemap/npm}"
SHOT="${1:-docs/screenshots/desktop-district.png}"
DATA="${ONEMAP_DATA:-$PWD/geodata/guangming}"
WORK="$(mktemp -d)"
step() { echo "== $*" >&2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  step "UI build"
  (cd ui && { [ -d node_modules ] || npm install --prefer-offline --no-audit --no-fund >&2; } && npm run build >&2)
  step "cargo build -p onemap-desktop"
  if [ "${PROFILE:-debug}" = release ]; then cargo build --release -p onemap-desktop >&2; else cargo build -p onemap-desktop >&2; fi
fi
PROFILE="${PROFILE:-debug}"
BIN="$CARGO_TARGET_DIR/$PROFILE/onemap-desktop"

DISPLAY_NUM=99
while [ -e "/tmp/.X${DISPLAY_NUM}-lock" ]; do DISPLAY_NUM=$((DISPLAY_NUM + 1)); done
Xvfb ":$DISPLAY_NUM" -screen 0 1600x1000x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XVFB=$!
APP=""
cleanup() {
  [ -n "$APP" ] && kill "$APP" 2>/dev/null || true
  [ -n "$APP" ] && wait "$APP" 2>/dev/null || true
  kill "$XVFB" 2>/dev/null || true
  wait "$XVFB" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break; sleep 0.1; done
export DISPLAY=":$DISPLAY_NUM"

step "launch $BIN on $DISPLAY"
START=$(date +%s%N)
ONEMAP_READY_FILE="$WORK/ready" ONEMAP_DATA="$DATA" "$BIN" >"$WORK/app.log" 2>&1 &
APP=$!
READY=0
for _ in $(seq 1 600); do
  if [ -s "$WORK/ready" ]; then READY=1; break; fi
  kill -0 "$APP" 2>/dev/null || break
  sleep 0.2
done
cat "$WORK/app.log" >&2
if [ "$READY" != 1 ]; then
  echo "the window never reported the map ready" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
echo "ready after $(( ($(date +%s%N) - START) / 1000000 )) ms: $(cat "$WORK/ready")" >&2
sleep "${SETTLE:-4}"
mkdir -p "$(dirname "$SHOT")"
import -window root "$SHOT"
step "screenshot: $SHOT"
rss() { ps -o rss= -p "$1" 2>/dev/null | awk '{s+=$1} END {print int(s/1024)}'; }
WEB=$(pgrep -P "$APP" -d, || true)
echo "resident memory: app $(rss "$APP") MB; WebKit children ($WEB) $( [ -n "$WEB" ] && ps -o rss= -p "$WEB" | awk '{s+=$1} END {print int(s/1024)}' ) MB" >&2
echo "1 passed, 0 failed"
