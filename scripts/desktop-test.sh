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
SHOT="$(realpath -m "${1:-docs/screenshots/desktop-district.png}")"
# ONEMAP_DATA set but empty: give the app no dataset, so it must find its own (a package's).
DATA="${ONEMAP_DATA-$PWD/geodata/guangming}"
WORK="$(mktemp -d)"
step() { echo "== $*" >&2; }

# DESKTOP_BIN: launch that binary (e.g. one unpacked from the .deb) instead of building.
if [ -z "${DESKTOP_BIN:-}" ] && [ "${SKIP_BUILD:-0}" != 1 ]; then
  step "UI build"
  (cd ui && { [ -d node_modules ] || npm install --prefer-offline --no-audit --no-fund >&2; } && npm run build >&2)
  step "cargo build -p onemap-desktop"
  if [ "${PROFILE:-debug}" = release ]; then cargo build --release -p onemap-desktop >&2; else cargo build -p onemap-desktop >&2; fi
fi
PROFILE="${PROFILE:-debug}"
BIN="${DESKTOP_BIN:-$CARGO_TARGET_DIR/$PROFILE/onemap-desktop}"

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
# From an empty working directory: the app must find the dataset it is given, or its own.
(cd "$WORK" && exec env -u ONEMAP_DATA ONEMAP_READY_FILE="$WORK/ready" ${DATA:+ONEMAP_DATA="$DATA"} "$BIN") >"$WORK/app.log" 2>&1 &
APP=$!
READY=0
# READY_TIMEOUT (seconds, default 120): loading the city-scale dataset alone takes a minute.
for _ in $(seq 1 $(( ${READY_TIMEOUT:-120} * 5 ))); do
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
# The buildings reach the window as vector tiles over the tiles:// protocol: some must have
# been served and drawn by the time the map reports ready.
TILES=$(sed -n 's/.* \([0-9]*\) tiles served.*/\1/p' "$WORK/ready")
DRAWN=$(sed -n 's/.* \([0-9]*\) building features drawn.*/\1/p' "$WORK/ready")
if [ "${TILES:-0}" -lt 1 ] || [ "${DRAWN:-0}" -lt 1 ]; then
  echo "the tiles protocol served ${TILES:-0} tiles and ${DRAWN:-0} building features were drawn" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
sleep "${SETTLE:-4}"
mkdir -p "$(dirname "$SHOT")"
import -window root "$SHOT"
step "screenshot: $SHOT"
# Resident memory of the app and of each WebKit process it started (the web process draws the
# map; the network process serves it): RSS as the median of ten readings over five seconds (one
# reading jumps with whatever was just freed or touched), its peak since launch, and PSS (shared
# pages split between the processes).
mem() {
  local rss=() i pss hwm
  for i in 1 2 3 4 5 6 7 8 9 10; do
    rss+=("$(awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/$1/status" 2>/dev/null)")
    sleep 0.5
  done
  hwm=$(awk '/^VmHWM:/ {print int($2 / 1024)}' "/proc/$1/status" 2>/dev/null)
  pss=$(awk '/^Pss:/ {print int($2 / 1024)}' "/proc/$1/smaps_rollup" 2>/dev/null)
  echo "$(cat "/proc/$1/comm" 2>/dev/null) $(printf '%s\n' "${rss[@]}" | sort -n | sed -n 5p) MB RSS" \
    "(peak ${hwm:-?} MB, ${pss:-?} MB PSS)"
}
echo "resident memory: app: $(mem "$APP")" >&2
for pid in $(pgrep -P "$APP" || true); do echo "resident memory: child: $(mem "$pid")" >&2; done
echo "1 passed, 0 failed"
