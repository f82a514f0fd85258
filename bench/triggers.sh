#!/usr/bin/env bash
# Trigger and ODS delivery figures (issue 4). Needs rsyslog (apt-get install
# rsyslog rsyslog-gnutls) for the syslog figure.
#   bench/triggers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# REL=DIR runs the binaries in DIR (e.g. an older build, for a side-by-side run)
# instead of building this checkout.
if [ -z "${REL:-}" ]; then cargo build --release -q -p wirewatch-bench --bin triggers; REL=target/release; fi
B=$REL/triggers
echo "== the guide's trigger, engine alone, one thread"
$B engine 100000
echo "== DETECTION_UPDATE events from the store through the runner into the outbox"
$B runner 20000
echo "== HTTP delivery to a local HTTP/1.1 server"
$B http 50000
$B http 50000 pipeline
echo "== end-to-end: detection stored -> trigger -> outbox -> ticket server"
$B latency 5000 500
echo "== syslog delivery to rsyslog over TCP"
DIR=$(mktemp -d)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
U=$(port); T=$(port); S=$(port)
bash scripts/test/run-rsyslog.sh "$DIR" "$U" "$T" "$S" >/dev/null
trap 'kill $(cat "$DIR/rsyslogd.pid") 2>/dev/null; rm -rf "$DIR"' EXIT
start=$(date +%s.%N)
$B syslog 200000 "127.0.0.1:$T"
until [ "$(wc -l < "$DIR/messages.log")" -ge 200000 ]; do sleep 0.05; done
end=$(date +%s.%N)
python3 -c "print('rsyslog wrote all 200000 to its file: %.0f messages/s end to end (including the queue fill)' % (200000/($end-$start)))"
echo "== Kafka delivery to tansu (in memory)"
TANSU=${TANSU:-$HOME/.cargo/bin/tansu}
KP=$(port)
$TANSU broker --listener-url tcp://127.0.0.1:$KP --advertised-listener-url tcp://127.0.0.1:$KP --storage-engine memory://tansu/ --silent >/dev/null 2>&1 &
KPID=$!
trap 'kill $(cat "$DIR/rsyslogd.pid") $KPID 2>/dev/null; rm -rf "$DIR"' EXIT
sleep 0.5
for c in none gzip snappy; do
  $TANSU topic create detections-$c --partitions 3 --broker tcp://127.0.0.1:$KP >/dev/null
  $B kafka 200000 127.0.0.1:$KP detections-$c $c
done
