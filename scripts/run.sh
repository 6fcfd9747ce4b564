#!/usr/bin/env bash
# The README's run command: installs what OneMap needs on a fresh Debian machine (Debian
# packages, Rust, the UI's npm packages), builds it in release and starts it on the embedded
# default — the bundled Guangming dataset and the SQLite store in the user's data directory.
#
# With a display ($DISPLAY or $WAYLAND_DISPLAY) it opens the desktop window; without one it
# starts browser mode (`onemap serve` on 127.0.0.1:8730) and prints the address to open.
# Extra arguments go to `onemap serve` (e.g. --listen 127.0.0.1:9000, --database-url URL).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ONEMAP_ROOT"

ensure_rust
ensure_apt "${ONEMAP_BUILD_APT[@]}"
build_ui

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${ONEMAP_BROWSER_MODE:-0}" != 1 ]; then
  say "building the desktop app (release)"
  cargo build --release --locked -p onemap-desktop
  say "starting the OneMap window"
  ONEMAP_DATA="${ONEMAP_DATA:-$ONEMAP_ROOT/geodata/guangming}" exec "$CARGO_TARGET_DIR/release/onemap-desktop"
fi

say "building onemap (release)"
cargo build --release --locked -p onemap-cli
say "no display: starting browser mode; open the address printed below in a browser and sign in"
say "(a store with no users prints a one-time setup code below: enter it there to create the administrator)"
exec "$CARGO_TARGET_DIR/release/onemap" serve --data "$ONEMAP_ROOT/geodata/guangming" "$@"
