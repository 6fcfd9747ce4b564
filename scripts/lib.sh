# Shared by scripts/run.sh and scripts/test.sh: install what OneMap needs on a fresh Debian
# machine, idempotently. Sourced, not run.
set -euo pipefail

ONEMAP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Build products and caches live outside the clone so fresh clones (CI) reuse them.
export ONEMAP_CACHE=${ONEMAP_CACHE:-$HOME/.cache/onemap}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ONEMAP_CACHE/target}
# Every run builds from a fresh clone at a new path: incremental caches would only pile up.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
export npm_config_cache=${npm_config_cache:-$ONEMAP_CACHE/npm}
mkdir -p "$ONEMAP_CACHE"

# Each heading says how long the run has taken so far, so a slow stage shows in CI's log.
say() { printf '\033[1m==> [%dm%02ds] %s\033[0m\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

# ensure_apt PKG...: installs the Debian packages that are not installed yet.
ensure_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q -o DPkg::Lock::Timeout=300
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q -o DPkg::Lock::Timeout=300 \
    --no-install-recommends "${missing[@]}"
}

# ensure_rust: cargo must be there (rustup's toolchain on these machines).
ensure_rust() {
  if ! command -v cargo >/dev/null; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) first" >&2; exit 1; }
}

# ensure_venv PKG...: a Python venv under the cache with the given pip packages.
ensure_venv() {
  export ONEMAP_VENV=$ONEMAP_CACHE/venv
  if [ ! -x "$ONEMAP_VENV/bin/python" ]; then
    python3 -m venv "$ONEMAP_VENV" 2>/dev/null || { ensure_apt python3-venv; python3 -m venv "$ONEMAP_VENV"; }
  fi
  local stamp="$ONEMAP_VENV/.onemap-$(printf '%s ' "$@" | md5sum | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    say "installing Python packages: $*"
    "$ONEMAP_VENV/bin/pip" install -q "$@"
    touch "$stamp"
  fi
}

# Debian packages every build of the workspace needs: the desktop shell (Tauri on WebKitGTK) is a
# workspace member, and the CJK font draws Chinese labels in rendered PNGs and in the map.
ONEMAP_BUILD_APT=(build-essential pkg-config file patchelf libwebkit2gtk-4.1-dev libgtk-3-dev
  librsvg2-dev libssl-dev libayatana-appindicator3-dev libfreetype-dev fonts-noto-cjk)

# ensure_node: Node.js and npm for the UI (the machines ship them; Debian's as a fallback).
ensure_node() {
  command -v npm >/dev/null || ensure_apt nodejs npm
}

# build_ui: installs the UI's npm packages as package-lock.json pins them (npm's cache lives
# under the OneMap cache) and builds ui/dist, which the server and the desktop shell embed.
# `npm install`, not `npm ci`: npm 11 writes locks without the other platforms' optional
# @tauri-apps/cli binaries and then `npm ci` refuses its own lock; `install` honours the lock
# and leaves it unchanged.
build_ui() {
  ensure_node
  say "building the UI (ui/dist)"
  (cd "$ONEMAP_ROOT/ui" && npm install --prefer-offline --no-audit --no-fund --loglevel=error && npm run build)
}
