#!/usr/bin/env bash
# Regenerates the TLS decryption test captures in samples/tls: HTTP requests
# over TLS between openssl s_server -WWW and curl on the loopback, captured
# with tcpdump (needs root or CAP_NET_RAW), with the keys that decrypt them:
#
#   server.key / server.crt   the server's RSA key (test only) and certificate
#   wrong.key                 another RSA key (the "wrong key" tests)
#   tls12-rsa.pcap            TLS 1.2, RSA key exchange: AES128-GCM-SHA256 (port 4431),
#                             AES256-SHA256 with encrypt-then-MAC (4432), AES128-SHA without it (4433)
#   tls12-ecdhe.pcap/.keylog  TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 and ECDHE-RSA-CHACHA20-POLY1305 (4434)
#                             with curl's SSLKEYLOGFILE (CLIENT_RANDOM lines)
#   tls13.pcap/.keylog        TLS 1.3 AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 (4435)
#                             with the *_TRAFFIC_SECRET lines
#   expected.txt              what tshark decrypts from each capture (the cross-check)
#
# Usage: scripts/gen-tls-captures.sh [OUT_DIR]   (default samples/tls)
set -euo pipefail
out=${1:-$(dirname "$0")/../samples/tls}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"

if [ ! -e "$out/server.key" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$out/server.key" -out "$out/server.crt" \
    -subj /CN=tls.wirewatch.test -days 36500 2>/dev/null
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/wrong.key" 2>/dev/null
fi
mkdir www && cd www
for f in rsa-gcm rsa-cbc-etm rsa-cbc ecdhe-gcm ecdhe-chacha tls13-aes128 tls13-aes256 tls13-chacha; do
  printf '<html><body>%s: decrypted by wirewatch</body></html>\n' "$f" > "$f.html"
done

# capture PCAP PORT: tcpdump on the loopback until `stop_capture`.
capture() {
  tcpdump -i lo -s 0 -U -w "$1" "tcp port $2" 2>/dev/null &
  cap=$!
  sleep 1
}
stop_capture() { sleep 1; kill "$cap"; wait "$cap" 2>/dev/null || true; }
# serve PORT ARGS...: openssl s_server -WWW until `stop_server`.
serve() {
  local port=$1; shift
  openssl s_server -quiet -accept "$port" -WWW -cert "$out/server.crt" -key "$out/server.key" -no_ticket "$@" >/dev/null 2>&1 &
  srv=$!
  sleep 1
}
stop_server() { kill "$srv"; wait "$srv" 2>/dev/null || true; }
get() { curl -sk --http1.1 -o /dev/null "$@"; }

# TLS 1.2 with RSA key exchange: the server's private key decrypts them.
capture "$work/rsa.pcap" 4431
serve 4431 -tls1_2 -cipher AES128-GCM-SHA256
get --tls-max 1.2 --ciphers AES128-GCM-SHA256 https://127.0.0.1:4431/rsa-gcm.html
stop_server
stop_capture
mv "$work/rsa.pcap" "$work/rsa1.pcap"
capture "$work/rsa2.pcap" 4432
serve 4432 -tls1_2 -cipher AES256-SHA256
get --tls-max 1.2 --ciphers AES256-SHA256 https://127.0.0.1:4432/rsa-cbc-etm.html
stop_server
stop_capture
capture "$work/rsa3.pcap" 4433
serve 4433 -tls1_2 -cipher AES128-SHA -no_etm
get --tls-max 1.2 --ciphers AES128-SHA https://127.0.0.1:4433/rsa-cbc.html
stop_server
stop_capture
mergecap -F pcap -w "$out/tls12-rsa.pcap" "$work/rsa1.pcap" "$work/rsa2.pcap" "$work/rsa3.pcap"

# TLS 1.2 ECDHE: only the key log decrypts them.
rm -f "$out/tls12-ecdhe.keylog"
capture "$out/tls12-ecdhe.pcap" 4434
serve 4434 -tls1_2 -cipher 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305'
SSLKEYLOGFILE="$out/tls12-ecdhe.keylog" get --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 https://127.0.0.1:4434/ecdhe-gcm.html
SSLKEYLOGFILE="$out/tls12-ecdhe.keylog" get --tls-max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305 https://127.0.0.1:4434/ecdhe-chacha.html
stop_server
stop_capture

# TLS 1.3: the key log's traffic secrets.
rm -f "$out/tls13.keylog"
capture "$out/tls13.pcap" 4435
serve 4435 -tls1_3 -ciphersuites 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256'
for s in TLS_AES_128_GCM_SHA256:tls13-aes128 TLS_AES_256_GCM_SHA384:tls13-aes256 TLS_CHACHA20_POLY1305_SHA256:tls13-chacha; do
  SSLKEYLOGFILE="$out/tls13.keylog" get --tlsv1.3 --tls13-ciphers "${s%%:*}" "https://127.0.0.1:4435/${s##*:}.html"
done
stop_server
stop_capture

# The cross-check: the HTTP requests tshark decrypts with the same keys.
uris() { tshark -r "$1" "${@:2}" -Y http.request -T fields -e tcp.dstport -e http.request.uri 2>/dev/null; }
{
  echo "# tshark -r tls12-rsa.pcap -o tls.keys_list:127.0.0.1,PORT,http,server.key"
  uris "$out/tls12-rsa.pcap" -o "tls.keys_list:127.0.0.1,4431,http,$out/server.key;127.0.0.1,4432,http,$out/server.key;127.0.0.1,4433,http,$out/server.key" -o tls.desegment_ssl_records:TRUE
  echo "# tshark -r tls12-ecdhe.pcap -o tls.keylog_file:tls12-ecdhe.keylog"
  uris "$out/tls12-ecdhe.pcap" -o "tls.keylog_file:$out/tls12-ecdhe.keylog" -d tcp.port==4434,tls
  echo "# tshark -r tls13.pcap -o tls.keylog_file:tls13.keylog"
  uris "$out/tls13.pcap" -o "tls.keylog_file:$out/tls13.keylog" -d tcp.port==4435,tls
} > "$out/expected.txt"
cat "$out/expected.txt"
