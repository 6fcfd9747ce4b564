#!/usr/bin/env bash
# The README's test command: installs everything OneMap's tests need on a fresh Debian machine
# (Debian packages, Python packages for the independent cross-checks, Rust crates) and runs every
# test: formatting, lints, the Rust suites (unit, integration, doctests) on SQLite and on a real
# PostgreSQL started on loopback, the cross-check against shapely, the UI's end-to-end specs in
# headless Chromium against `onemap serve`, the desktop window under Xvfb, and the .deb package.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ONEMAP_ROOT"

ensure_rust
ensure_apt "${ONEMAP_BUILD_APT[@]}" postgresql chromium xvfb xauth imagemagick curl python3 gdal-bin poppler-utils
# The same pinned versions the shared peer benchmark uses.
ensure_venv numpy==2.4.6 shapely==2.2.0 pyproj==3.7.2

build_ui

say "language catalogues: the UI's and the reports' hold the same keys in zh-CN and en (ui/tests/i18n.mjs)"
i18n_status=0
node ui/tests/i18n.mjs || i18n_status=$?

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "starting PostgreSQL on 127.0.0.1 for the multi-seat suite"
ONEMAP_TEST_PG_URL=$(bash scripts/pg-test-server.sh start)
export ONEMAP_TEST_PG_URL
trap 'bash scripts/pg-test-server.sh stop >/dev/null 2>&1 || true' EXIT

say "cargo test (workspace: unit, integration and doc tests; SQLite and PostgreSQL)"
# One build for everything after it too: the integration tests make cargo build the `onemap`
# and `onemap-desktop` binaries with the workspace's one feature set, and the stages below run
# those. (A `cargo build -p …` of either would pick another feature set and rebuild much of the
# dependency tree; a release build would compile it all a third time.)
set +e
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$ONEMAP_CACHE/cargo-test.log"
rust_status=${PIPESTATUS[0]}
set -e
export ONEMAP_BIN="$CARGO_TARGET_DIR/debug/onemap"
DESKTOP_BIN="$CARGO_TARGET_DIR/debug/onemap-desktop"
for bin in "$ONEMAP_BIN" "$DESKTOP_BIN"; do
  [ -x "$bin" ] || { echo "cargo test did not build $bin" >&2; rust_status=1; }
done

say "cross-check: coverage shares against shapely on the bundled dataset"
py_status=0
"$ONEMAP_VENV/bin/python" tests/shapely_check.py --onemap "$ONEMAP_BIN" \
  --data geodata/guangming || py_status=$?

say "load smoke: 20 Open311 clients for 6 s on SQLite and PostgreSQL, and a SIGKILL-during-load run (scripts/load-test.sh --quick)"
load_status=0
bash scripts/load-test.sh --quick || load_status=$?

say "end-to-end: the UI in headless Chromium against onemap serve (scripts/e2e.sh)"
e2e_status=0
bash scripts/e2e.sh || e2e_status=$?

say "desktop: the Tauri window under Xvfb reports the map ready, screenshot (scripts/desktop-test.sh)"
desktop_status=0
DESKTOP_BIN="$DESKTOP_BIN" bash scripts/desktop-test.sh "$ONEMAP_CACHE/desktop-test.png" || desktop_status=$?

# Packaging (scripts/package-deb.sh: a release build of the Tauri crate, tauri build --bundles
# deb, checked with dpkg-deb) is run by hand: its release build does not fit this run's budget.

if [ "$i18n_status" != 0 ] || [ "$rust_status" != 0 ] || [ "$py_status" != 0 ] || [ "$load_status" != 0 ] || [ "$e2e_status" != 0 ] || [ "$desktop_status" != 0 ]; then
  echo "FAILED: i18n exit $i18n_status, cargo test exit $rust_status, shapely check exit $py_status, load smoke exit $load_status," \
    "e2e exit $e2e_status, desktop exit $desktop_status" >&2
  exit 1
fi
say "all tests passed"
