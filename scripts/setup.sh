#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test FieldChart. Idempotent: a second run
# only checks. Used by scripts/test.sh, scripts/run.sh and CI.
set -euo pipefail

need_apt=()
# rsyslog with its TLS drivers: the audit forwarding tests run Debian's rsyslogd as the hub's
# collector (their own instance on loopback; the system daemon is never started or used).
# The desktop app (Tauri 2 on WebKitGTK), its end-to-end test (Xvfb, WebKitWebDriver, screenshots
# with imagemagick) and Japanese fonts (without fonts-noto-cjk kanji and kana show as boxes).
# nginx: the repository test serves a published repository with the shipped site config
# (deploy/nginx/); in bookworm `nginx` is the smallest package with the binary (nginx-light only
# adds a module to it). Its own service is never started or used.
# systemd: the schedule test checks deploy/systemd's units with systemd-analyze verify (no daemon
# is started; a fresh Debian 12 machine has it already, a container may not).
# openssl: deploy/rsyslog/make-collector-cert.sh makes the collector's certificate with it, and
# its test runs that script.
# xmlsec1: the hpki XAdES tests check the crate's XML signatures against it, both ways.
for pkg in build-essential pkg-config rsyslog rsyslog-openssl rsyslog-gnutls nginx \
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev librsvg2-dev libssl-dev \
  xvfb imagemagick fonts-noto-cjk webkit2gtk-driver xdotool x11-utils systemd openssl xmlsec1; do
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

# The front end's libraries (pinned in ui/package-lock.json) and its build into ui/dist, which the
# app embeds at compile time. Node.js comes with the machine; Debian's is used if it is missing.
if ! command -v npm >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq nodejs npm
fi
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -d "$here/ui/node_modules" ] || [ "$here/ui/package-lock.json" -nt "$here/ui/node_modules" ]; then
  # --ignore-scripts: no package may run an install script (none is needed; some try downloads).
  npm ci --prefix "$here/ui" --ignore-scripts --no-audit --no-fund
  touch "$here/ui/node_modules"
fi
npm run --prefix "$here/ui" --silent build

# The WebDriver server for the app's end-to-end test: tauri-driver 2.x (the newest release is a 3.0
# alpha), which drives Debian's WebKitWebDriver.
if ! command -v tauri-driver >/dev/null 2>&1; then
  cargo install tauri-driver --version '^2' --locked
fi
