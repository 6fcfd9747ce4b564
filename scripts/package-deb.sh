#!/usr/bin/env bash
# Builds the desktop app's Debian package with the Tauri CLI (the @tauri-apps/cli npm package
# in ui/, no download): a release build of src-tauri, the UI embedded, the Guangming dataset
# carried as a resource (/usr/lib/OneMap/geodata/guangming, which the app finds when no --data
# is given). Then checks the package with dpkg-deb: its control fields, that it carries the
# binary, the desktop entry, the icons and the dataset.
#
#   bash scripts/package-deb.sh            # SKIP_BUILD=1: check the last .deb built
# Last line of a check run: `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/onemap/target}"
export npm_config_cache="${npm_config_cache:-$HOME/.cache/onemap/npm}"
step() { echo "== $*" >&2; }

step "UI: npm install && npm run build"
(cd ui && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm install --prefer-offline --no-audit --no-fund >&2; } && npm run build >&2)

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  step "tauri build --bundles deb (release build of onemap-desktop)"
  # The CLI finds src-tauri/tauri.conf.json from the repository root.
  ui/node_modules/.bin/tauri build --bundles deb >&2
fi

DEB=$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb | head -n 1)
step "checking $DEB"
passed=0
failed=0
check() {
  if eval "$2"; then passed=$((passed + 1)); echo "ok   $1" >&2; else failed=$((failed + 1)); echo "FAIL $1" >&2; fi
}
INFO=$(dpkg-deb -I "$DEB")
FILES=$(dpkg-deb -c "$DEB")
printf '%s\n' "$INFO" | sed -n '/Package:/,$p' >&2
# Tauri names the package after productName ("OneMap" → one-map).
check "the package is one-map, for this architecture" \
  "grep -q '^ Package: one-map$' <<<\"\$INFO\" && grep -q \"^ Architecture: \$(dpkg --print-architecture)\" <<<\"\$INFO\""
check "it depends on WebKitGTK 4.1 and GTK 3" \
  "grep -q 'libwebkit2gtk-4.1-0' <<<\"\$INFO\" && grep -q 'libgtk-3-0' <<<\"\$INFO\""
check "it carries the binary" "grep -Eq ' (\\./)?usr/bin/onemap-desktop$' <<<\"\$FILES\""
check "it carries the desktop entry" "grep -Eq ' (\\./)?usr/share/applications/OneMap.desktop$' <<<\"\$FILES\""
check "it carries the icons" "grep -q 'usr/share/icons/hicolor/128x128/apps/onemap-desktop.png' <<<\"\$FILES\""
for f in districts streets communities subgrids stations buildings cameras roads; do
  check "it carries the dataset's $f layer" "grep -q 'usr/lib/OneMap/geodata/guangming/$f.geojson$' <<<\"\$FILES\""
done
# The packaged app, unpacked, opens its window on the dataset it carries (no --data, no
# ONEMAP_DATA, an empty working directory): Tauri finds its resources at ../lib/OneMap.
UNPACKED="$(mktemp -d)"
dpkg-deb -x "$DEB" "$UNPACKED"
check "the unpacked app finds its own dataset and reports the map ready" \
  "DESKTOP_BIN='$UNPACKED/usr/bin/onemap-desktop' ONEMAP_DATA= bash scripts/desktop-test.sh '$UNPACKED/shot.png' >&2"
rm -rf "$UNPACKED"
ls -la "$DEB" >&2
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
