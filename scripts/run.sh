#!/usr/bin/env bash
# The README's run command: installs what OneMap needs on a fresh Debian machine, builds it, and
# starts it on the embedded default (SQLite in the user's data directory + the bundled Guangming
# dataset).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ONEMAP_ROOT"

ensure_rust
ensure_apt build-essential pkg-config

say "building onemap (release)"
cargo build --release --locked -p onemap-cli
onemap=$CARGO_TARGET_DIR/release/onemap

# The desktop window and browser mode arrive with issues 5 and 6; until then the command
# center's data and engine are shown on the terminal.
say "the bundled Guangming dataset"
"$onemap" geodata summary
say "500-metre service coverage by street"
"$onemap" coverage --by street
echo
echo "More: $onemap --help   (locate, nearest, coverage, gaps, within, geodata, bench)"
