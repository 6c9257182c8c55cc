#!/usr/bin/env bash
# The README's "set up and run" command. Sets up what is missing, builds FieldChart, generates the
# synthetic drill region under snapshots/drill-region, makes drill keys (snapshots/keys, not in git),
# builds the encrypted, signed drill snapshot snapshots/drill.fcs from it (drill policy and consent
# list from scripts/drill/), verifies it, and opens the desktop app on it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -p fieldchart -p fieldchart-app
bin=target/release/fieldchart
region=snapshots/drill-region
keys=snapshots/keys
snapshot=snapshots/drill.fcs
# The region's data ends yesterday, as if the hub's last copy was made then (data dated today would
# be newer than the snapshot built from it).
# A region from before the drill masters (issue 16 §2) is made again, so the drill hub reads them.
if [ ! -f "$region/region.json" ] || [ ! -f "$region/facility-code-map.csv" ]; then
  rm -rf "$region" "$snapshot"
  "$bin" demo-data --patients 2000 --facilities 3 --seed 2026 --as-of "$(date -d yesterday +%F)" --out "$region"
fi
mkdir -p "$keys"
chmod 700 "$keys"
[ -f "$keys/device.key" ] || "$bin" keys device --out "$keys/device.key" > "$keys/device.pub"
[ -f "$keys/hub.key" ] || "$bin" keys signing --out "$keys/hub.key" > "$keys/hub.pub"
# The hub's audit key: laptops encrypt their audit entries to it (`fieldchart audit review` reads them).
[ -f "$keys/hub-audit.key" ] || "$bin" keys device --out "$keys/hub-audit.key" > "$keys/hub-audit.pub"
[ -f "$keys/emergency-passphrase.txt" ] || { umask 077; echo "drill-$(date +%F)" > "$keys/emergency-passphrase.txt"; }
cat > "$keys/README-NOT-SECRET.txt" <<'TXT'
訓練用の鍵です。秘密ではありません。実データには使わないでください。
DRILL KEYS: NOT SECRET. Made by scripts/run.sh for drills with synthetic people; never use them for
real data. The drill emergency passphrase is in emergency-passphrase.txt.
TXT
# A drill snapshot is valid for 30 days; rebuild it when it has expired, the keys or the drill policy
# changed, or it was made by an older FieldChart.
if [ -f "$snapshot" ] && { ! "$bin" snapshot verify "$snapshot" --identity "$keys/device.key" --trust "$keys/hub.pub" > /dev/null 2>&1 \
    || [ scripts/drill/policy.toml -nt "$snapshot" ] || [ scripts/drill/consent.csv -nt "$snapshot" ] \
    || [ "$region/facility-code-map.csv" -nt "$snapshot" ]; }; then
  rm -f "$snapshot"
fi
if [ ! -f "$snapshot" ]; then
  "$bin" snapshot build --region "$region" --out "$snapshot" --recipient "$(cat "$keys/device.pub")" \
    --passphrase-file "$keys/emergency-passphrase.txt" --signing-key "$keys/hub.key" \
    --audit-recipient "$(cat "$keys/hub-audit.pub")" --drill \
    --policy scripts/drill/policy.toml --consent scripts/drill/consent.csv \
    --xref "$region/pix-xref.tsv" --hpki-anchor crates/synth/drill-hpki/root.pem \
    --master-hot "$(ls "$region"/MEDIS*.TXT | tail -n 1)" --master-disease "$(ls "$region"/nmain*.txt | tail -n 1)" \
    --master-jlac10 "analyte=$region/jlac10-analyte.csv" --master-jlac10 "specimen=$region/jlac10-specimen.csv" \
    --master-local-map "$region/facility-code-map.csv"
fi
"$bin" snapshot verify "$snapshot" --identity "$keys/device.key" --trust "$keys/hub.pub"

# The desktop app, opened on this folder's snapshots. Drill viewing is audited to the drill log
# under snapshots/, apart from real use.
export FIELDCHART_SNAPSHOTS="$PWD/snapshots"
export FIELDCHART_DRILL_AUDIT_LOG="$PWD/snapshots/drill-audit/audit.log"
echo
echo "Drill: find 山田 花子 (やまだ, yamada hanako, S45.3.12). Drill clerk code: DRILL-0000."
echo "Drill emergency passphrase: $(cat "$keys/emergency-passphrase.txt")"
echo "Hub's review of the drill audit: $bin audit review snapshots/drill-audit/audit.log --identity $keys/hub-audit.key"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "run: no display (DISPLAY is not set); start the app on a desktop with: FIELDCHART_SNAPSHOTS=$FIELDCHART_SNAPSHOTS FIELDCHART_DRILL_AUDIT_LOG=$FIELDCHART_DRILL_AUDIT_LOG target/release/fieldchart-app" >&2
  exit 0
fi
exec target/release/fieldchart-app
