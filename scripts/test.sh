#!/usr/bin/env bash
# The one test command (README): sets up what is missing, then builds and runs every test of the
# workspace: unit, golden, property and end-to-end CLI tests, the front end's unit tests and the desktop
# app's end-to-end test (a real window under Xvfb, driven over WebDriver). Reads ../shared/ssmix2-samples in place.
# Ends with one line totalling every test binary's results.
set -euo pipefail
cd "$(dirname "$0")/.."
# Every tier: the heavy suites (the window, the real rsyslogd, region building) run too; a plain
# `cargo test` leaves them ignored (docs/ARCHITECTURE.md, "Cross-cutting").
export FIELDCHART_HEAVY_TESTS=1
scripts/setup.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The front end's own unit tests (vitest), then every Rust test, the app's end-to-end test among them.
npm test --prefix ui 2>&1 | tee "$log"
cargo test --workspace --locked "$@" 2>&1 | tee -a "$log"
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1); if ($i ~ /^ignored/) g += $(i-1) } }
     END { printf "tests: %d passed, %d failed, %d ignored\n", p, f, g }' "$log"
