#!/usr/bin/env bash
# The cost of one RSA private-key operation of TLS decryption (the budget's
# unit, --tls-rsa-per-second), side by side with OpenSSL's on the same keys.
# Usage: bench/rsa.sh [N]   (N decryptions per key and case; default 400)
set -euo pipefail
n=${1:-400}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build -q --release -p wirewatch-decrypt --example rsa_cost
bin=${CARGO_TARGET_DIR:-$root/target}/release/examples/rsa_cost
cp "$root/samples/tls/server.key" "$work/rsa2048.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$work/rsa4096.pem" 2>/dev/null
head -c 48 /dev/urandom > "$work/pms"
for k in rsa2048 rsa4096; do
  openssl pkey -in "$work/$k.pem" -pubout -out "$work/$k.pub"
  openssl pkeyutl -encrypt -pubin -inkey "$work/$k.pub" -pkeyopt rsa_padding_mode:pkcs1 \
    -in "$work/pms" -out "$work/$k.ct"
  echo "== wirewatch-decrypt (rsa crate), $k, $n ops"
  taskset -c 1 "$bin" "$work/$k.pem" "$work/$k.ct" "$n"
done
echo "== baseline: openssl speed (sign = the private-key operation), one core"
taskset -c 1 openssl speed -seconds 3 rsa2048 rsa4096 2>/dev/null | grep -E '^(rsa|  *sign)'
