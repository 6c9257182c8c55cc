#!/usr/bin/env bash
# The README's "set up and run" command. Sets up what is missing, builds FieldChart, generates the
# synthetic drill region under snapshots/drill-region, makes drill keys (snapshots/keys, not in git),
# builds the encrypted, signed drill snapshot snapshots/drill.fcs from it, verifies it and looks up a
# drill persona. The desktop app (a later issue) will open on this snapshot.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -p fieldchart
bin=target/release/fieldchart
region=snapshots/drill-region
keys=snapshots/keys
snapshot=snapshots/drill.fcs
# The region's data ends yesterday, as if the hub's last copy was made then (data dated today would
# be newer than the snapshot built from it).
if [ ! -f "$region/region.json" ]; then
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
# A drill snapshot is valid for 30 days; rebuild it when it has expired, the keys changed or it was
# made by an older FieldChart.
if [ -f "$snapshot" ] && ! "$bin" snapshot verify "$snapshot" --identity "$keys/device.key" --trust "$keys/hub.pub" > /dev/null 2>&1; then
  rm -f "$snapshot"
fi
if [ ! -f "$snapshot" ]; then
  "$bin" snapshot build --region "$region" --out "$snapshot" --recipient "$(cat "$keys/device.pub")" \
    --passphrase-file "$keys/emergency-passphrase.txt" --signing-key "$keys/hub.key" \
    --audit-recipient "$(cat "$keys/hub-audit.pub")" --drill
fi
"$bin" snapshot verify "$snapshot" --identity "$keys/device.key" --trust "$keys/hub.pub"
# Drill viewing sessions are audited like real ones, to the drill log under snapshots/.
who=(--user "訓練 太郎" --profession 医師 --team DMAT-DRILL --audit-log snapshots/drill-audit/audit.log)
echo
echo "Drill persona 山田 花子 (S45.3.12), searched as 'やまだ S45 女':"
"$bin" search "$snapshot" --identity "$keys/device.key" --trust "$keys/hub.pub" "${who[@]}" やまだ S45 女
echo
echo "Try: $bin record $snapshot --identity $keys/device.key --trust $keys/hub.pub --user '訓練 太郎' --profession 医師 --team DMAT-DRILL --audit-log snapshots/drill-audit/audit.log --basis vital-interest --patient FACILITY:ID"
echo "     $bin audit review snapshots/drill-audit/audit.log --identity $keys/hub-audit.key"
echo "Drill personas (synthetic people to look up in drills): see $region/region.json"
