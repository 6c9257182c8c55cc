#!/usr/bin/env bash
# The README's "set up and run" command. Sets up what is missing, builds FieldChart, generates the
# synthetic drill region under snapshots/drill-region (not in git) and reads it with `fieldchart check`.
# The desktop app (a later issue) will open on the drill snapshot built from this region.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -p fieldchart
bin=target/release/fieldchart
region=snapshots/drill-region
if [ ! -f "$region/region.json" ]; then
  rm -rf "$region"
  "$bin" demo-data --patients 2000 --facilities 3 --seed 2026 --as-of "$(date +%F)" --out "$region"
fi
"$bin" check --region "$region"
echo
echo "Drill personas (synthetic people to look up in drills): see $region/region.json"
