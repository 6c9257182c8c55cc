#!/bin/sh
# Makes the hub's audit collector its TLS certificate, signed by the hub's CA, and puts the three
# files rsyslog reads where the shipped configuration (fieldchart-audit.conf) expects them.
#
#   make-collector-cert.sh CA_CERT CA_KEY HOST [OUT_DIR]
#
# CA_CERT, CA_KEY  the hub's CA (PEM); laptops are given CA_CERT as `audit forward --ca`.
# HOST             every name and address laptops reach the collector by, comma-separated
#                  (hub.example.jp,10.0.0.5); the certificate names each, and a laptop checks it.
# OUT_DIR          default /etc/fieldchart: audit-ca.pem, audit-hub.pem, audit-hub.key.
#
# Never overwrites: an existing certificate or key is refused (move it away to renew). The key is
# made on this machine and never leaves it (mode 0640, group adm where it exists, so rsyslog reads
# it). Exits 2 on a usage fault, 1 on an openssl failure, 0 when done.
set -eu

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: $0 CA_CERT CA_KEY HOST[,HOST...] [OUT_DIR]" >&2
  exit 2
fi
ca_cert=$1
ca_key=$2
hosts=$3
out=${4:-/etc/fieldchart}
days=${FIELDCHART_COLLECTOR_DAYS:-825}

for f in "$ca_cert" "$ca_key"; do
  [ -f "$f" ] || { echo "$0: $f is not a file" >&2; exit 2; }
done
mkdir -p "$out"
for f in audit-hub.pem audit-hub.key; do
  if [ -e "$out/$f" ]; then
    echo "$0: $out/$f exists; a certificate is never overwritten (move it away to renew: laptops then send their logs once more, to the new certificate)" >&2
    exit 2
  fi
done

san=""
first=""
old_ifs=$IFS
IFS=,
for h in $hosts; do
  [ -n "$h" ] || continue
  [ -n "$first" ] || first=$h
  case $h in
    *[!0-9.]*) entry="DNS:$h" ;;
    *) entry="IP:$h" ;;
  esac
  case $h in *:*) entry="IP:$h" ;; esac
  san="${san:+$san,}$entry"
done
IFS=$old_ifs
[ -n "$first" ] || { echo "$0: no host given" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077
openssl ecparam -name prime256v1 -genkey -noout -out "$work/key.pem"
openssl req -new -key "$work/key.pem" -subj "/CN=$first" -out "$work/req.pem"
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\nbasicConstraints=critical,CA:FALSE\n' "$san" > "$work/ext.cnf"
openssl x509 -req -in "$work/req.pem" -CA "$ca_cert" -CAkey "$ca_key" -CAcreateserial \
  -days "$days" -sha256 -extfile "$work/ext.cnf" -out "$work/cert.pem" 2>/dev/null
openssl verify -CAfile "$ca_cert" "$work/cert.pem" >/dev/null

install -m 0644 "$ca_cert" "$out/audit-ca.pem"
install -m 0644 "$work/cert.pem" "$out/audit-hub.pem"
install -m 0640 "$work/key.pem" "$out/audit-hub.key"
if getent group adm >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  chgrp adm "$out/audit-hub.key"
fi
echo "collector certificate for $hosts written to $out (audit-ca.pem, audit-hub.pem, audit-hub.key), valid $days days"
echo "next: install -m 0644 fieldchart-audit.conf /etc/rsyslog.d/ && rsyslogd -N1 && systemctl restart rsyslog"
