#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test FieldChart. Idempotent: a second run
# only checks. Used by scripts/test.sh, scripts/run.sh and CI.
set -euo pipefail

need_apt=()
# rsyslog with its TLS drivers: the audit forwarding tests run Debian's rsyslogd as the hub's
# collector (their own instance on loopback; the system daemon is never started or used).
for pkg in build-essential pkg-config rsyslog rsyslog-openssl rsyslog-gnutls; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is missing; install Rust stable (https://rustup.rs) and run this again" >&2
  exit 1
fi
for tool in rustfmt cargo-clippy; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "setup: $tool is missing; run: rustup component add rustfmt clippy" >&2
    exit 1
  }
done
