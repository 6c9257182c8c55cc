#!/usr/bin/env bash
# The one test command (README): sets up what is missing, then builds and runs every test of the
# workspace: unit, golden, property and end-to-end CLI tests. Reads ../shared/ssmix2-samples in place.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --workspace --locked "$@"
