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
# and the resumed sessions (section `resume`; openssl s_client with -sess_out,
# then -sess_in, against s_server -WWW):
#
#   tls12-resume.pcap         TLS 1.2 RSA key exchange AES128-GCM-SHA256: a full handshake then
#                             one resumed by session id (4436, server without tickets), the same
#                             by session ticket (4437); only server.key decrypts them
#   tls12-resume-ecdhe.pcap/.keylog
#                             TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, full then resumed by ticket (4438);
#                             the key log has the full handshake's CLIENT_RANDOM line only
#                             (tls12-resume-ecdhe-all.keylog has both, for tshark)
#   tls13-resume.pcap/.keylog TLS 1.3, a full handshake then a PSK resumption (4439)
#   expected-resume.txt       what tshark decrypts from them
#
# and TLS 1.3 0-RTT (section `early`; s_server -early_data, which cannot serve
# files, so it answers from a scripted stdin):
#
#   tls13-early.pcap/.keylog  a full handshake, then a resumption whose request is
#                             0-RTT early data (4440); CLIENT_EARLY_TRAFFIC_SECRET in the key log
#   expected-early.txt        what tshark decrypts from it
#
# Usage: scripts/gen-tls-captures.sh [OUT_DIR [SECTION...]]   (default samples/tls, all of
# `base resume early`). Each section writes only its own files: `scripts/gen-tls-captures.sh
# samples/tls resume` adds the resumption captures and leaves the others byte for byte.
set -euo pipefail
out=${1:-$(dirname "$0")/../samples/tls}
shift || true
sections=${*:-base resume early}
has() { [[ " $sections " == *" $1 "* ]]; }
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
for f in rsa-gcm rsa-cbc-etm rsa-cbc ecdhe-gcm ecdhe-chacha tls13-aes128 tls13-aes256 tls13-chacha \
  sid-full sid-resumed ticket-full ticket-resumed ecdhe-full ecdhe-resumed tls13-full tls13-resumed; do
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
# uris PCAP TSHARK_ARGS...: the (server port, URI) of each HTTP request tshark decrypts.
uris() { tshark -r "$1" "${@:2}" -Y http.request -T fields -e tcp.dstport -e http.request.uri 2>/dev/null; }

if has base; then
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
{
  echo "# tshark -r tls12-rsa.pcap -o tls.keys_list:127.0.0.1,PORT,http,server.key"
  uris "$out/tls12-rsa.pcap" -o "tls.keys_list:127.0.0.1,4431,http,$out/server.key;127.0.0.1,4432,http,$out/server.key;127.0.0.1,4433,http,$out/server.key" -o tls.desegment_ssl_records:TRUE
  echo "# tshark -r tls12-ecdhe.pcap -o tls.keylog_file:tls12-ecdhe.keylog"
  uris "$out/tls12-ecdhe.pcap" -o "tls.keylog_file:$out/tls12-ecdhe.keylog" -d tcp.port==4434,tls
  echo "# tshark -r tls13.pcap -o tls.keylog_file:tls13.keylog"
  uris "$out/tls13.pcap" -o "tls.keylog_file:$out/tls13.keylog" -d tcp.port==4435,tls
} > "$out/expected.txt"
cat "$out/expected.txt"
fi

# s_get PORT URI SESSION_ARGS...: one HTTP/1.0 request with openssl s_client
# (which can save and resume sessions), until the server closes.
s_get() {
  local port=$1 uri=$2; shift 2
  printf 'GET %s HTTP/1.0\r\nHost: tls.wirewatch.test\r\n\r\n' "$uri" |
    timeout 10 openssl s_client -quiet -ign_eof -connect "127.0.0.1:$port" "$@" >/dev/null 2>&1 || true
}

if has resume; then
# TLS 1.2 RSA: full handshakes, then resumed ones (the same master secret, no key exchange).
capture "$work/sid.pcap" 4436
serve 4436 -tls1_2 -cipher AES128-GCM-SHA256
s_get 4436 /sid-full.html -tls1_2 -cipher AES128-GCM-SHA256 -sess_out "$work/sid.sess"
s_get 4436 /sid-resumed.html -tls1_2 -cipher AES128-GCM-SHA256 -sess_in "$work/sid.sess"
stop_server
stop_capture
capture "$work/ticket.pcap" 4437
# Tickets: s_server without -no_ticket (the `serve` function turns them off).
openssl s_server -quiet -accept 4437 -WWW -cert "$out/server.crt" -key "$out/server.key" -tls1_2 -cipher AES128-GCM-SHA256 >/dev/null 2>&1 &
srv=$!
sleep 1
s_get 4437 /ticket-full.html -tls1_2 -cipher AES128-GCM-SHA256 -sess_out "$work/ticket.sess"
s_get 4437 /ticket-resumed.html -tls1_2 -cipher AES128-GCM-SHA256 -sess_in "$work/ticket.sess"
stop_server
stop_capture
mergecap -F pcap -w "$out/tls12-resume.pcap" "$work/sid.pcap" "$work/ticket.pcap"

# TLS 1.2 ECDHE by ticket: the key log knows only the full handshake's master secret.
capture "$out/tls12-resume-ecdhe.pcap" 4438
openssl s_server -quiet -accept 4438 -WWW -cert "$out/server.crt" -key "$out/server.key" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 >/dev/null 2>&1 &
srv=$!
sleep 1
s_get 4438 /ecdhe-full.html -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -sess_out "$work/ecdhe.sess" -keylogfile "$work/ecdhe-full.keylog"
s_get 4438 /ecdhe-resumed.html -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -sess_in "$work/ecdhe.sess" -keylogfile "$work/ecdhe-resumed.keylog"
stop_server
stop_capture
grep -h '^CLIENT_RANDOM' "$work/ecdhe-full.keylog" > "$out/tls12-resume-ecdhe.keylog"
grep -h '^CLIENT_RANDOM' "$work/ecdhe-full.keylog" "$work/ecdhe-resumed.keylog" > "$out/tls12-resume-ecdhe-all.keylog"

# TLS 1.3 PSK resumption: the key log has each connection's traffic secrets.
capture "$out/tls13-resume.pcap" 4439
openssl s_server -quiet -accept 4439 -WWW -cert "$out/server.crt" -key "$out/server.key" -tls1_3 >/dev/null 2>&1 &
srv=$!
sleep 1
s_get 4439 /tls13-full.html -tls1_3 -sess_out "$work/tls13.sess" -keylogfile "$work/tls13-resume.keylog"
s_get 4439 /tls13-resumed.html -tls1_3 -sess_in "$work/tls13.sess" -keylogfile "$work/tls13-resume.keylog"
stop_server
stop_capture
grep -v '^#' "$work/tls13-resume.keylog" > "$out/tls13-resume.keylog"

{
  echo "# tshark -r tls12-resume.pcap -o tls.keys_list:127.0.0.1,PORT,http,server.key"
  uris "$out/tls12-resume.pcap" -o "tls.keys_list:127.0.0.1,4436,http,$out/server.key;127.0.0.1,4437,http,$out/server.key" -o tls.desegment_ssl_records:TRUE
  echo "# tshark -r tls12-resume-ecdhe.pcap -o tls.keylog_file:tls12-resume-ecdhe-all.keylog"
  uris "$out/tls12-resume-ecdhe.pcap" -o "tls.keylog_file:$out/tls12-resume-ecdhe-all.keylog" -d tcp.port==4438,tls
  echo "# tshark -r tls13-resume.pcap -o tls.keylog_file:tls13-resume.keylog"
  uris "$out/tls13-resume.pcap" -o "tls.keylog_file:$out/tls13-resume.keylog" -d tcp.port==4439,tls
} > "$out/expected-resume.txt"
cat "$out/expected-resume.txt"
fi

if has early; then
# TLS 1.3 0-RTT: s_server -early_data refuses -WWW, so it answers each
# connection from its stdin (-crlf: the LFs below go out as CRLFs); `q` ends a
# connection, `Q` the server. The first connection's session is resumed by the
# second, whose request goes as early data (s_client -early_data FILE).
resp() { printf 'HTTP/1.0 200 OK\nContent-Type: text/html\nContent-Length: 45\n\n<html><body>%s: 0-RTT</body></html>\n' "$1"; }
printf 'GET /early-full.html HTTP/1.0\r\nHost: tls.wirewatch.test\r\n\r\n' > "$work/full.req"
printf 'GET /early-data.html HTTP/1.0\r\nHost: tls.wirewatch.test\r\n\r\n' > "$work/early.req"
capture "$out/tls13-early.pcap" 4440
( sleep 2; resp first-conn; sleep 1; echo q; sleep 3; resp early-conn; sleep 1; echo Q ) |
  openssl s_server -accept 4440 -crlf -cert "$out/server.crt" -key "$out/server.key" -tls1_3 -early_data >/dev/null 2>&1 &
srv=$!
sleep 1
timeout 10 openssl s_client -quiet -ign_eof -connect 127.0.0.1:4440 -tls1_3 -sess_out "$work/early.sess" \
  -keylogfile "$work/early.keylog" < "$work/full.req" >/dev/null 2>&1 || true
timeout 10 openssl s_client -ign_eof -connect 127.0.0.1:4440 -tls1_3 -sess_in "$work/early.sess" \
  -early_data "$work/early.req" -keylogfile "$work/early.keylog" < /dev/null > "$work/early.out" 2>&1 || true
grep 'Early data was accepted' "$work/early.out"
wait "$srv" 2>/dev/null || true
stop_capture
grep -v '^#' "$work/early.keylog" > "$out/tls13-early.keylog"
{
  echo "# tshark -r tls13-early.pcap -o tls.keylog_file:tls13-early.keylog"
  uris "$out/tls13-early.pcap" -o "tls.keylog_file:$out/tls13-early.keylog" -d tcp.port==4440,tls
} > "$out/expected-early.txt"
cat "$out/expected-early.txt"
fi
