#!/usr/bin/env bash
# Runs the cargo-fuzz target for the HL7 message parser for a while (default 600 s), seeded with the
# shared NHO samples. Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); RUSTC_BOOTSTRAP lets the
# stable toolchain accept the sanitizer flags. Findings land in fuzz/artifacts/ (not in git).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-600}"
corpus=corpus/hl7_message
mkdir -p "$corpus"
find ../../shared/ssmix2-samples/nho -type f -exec cp -n {} "$corpus"/ \; 2>/dev/null || true
RUSTC_BOOTSTRAP=1 cargo fuzz run hl7_message "$corpus" -- -max_total_time="$seconds" -max_len=8192
