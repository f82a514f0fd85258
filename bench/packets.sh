#!/usr/bin/env bash
# Packet store (issue 13): (1) what keeping packets costs `wirewatch ingest`
# (the nDPI corpus merged, COPIES copies, store on vs off); (2) a search for
# one 5-tuple in a one-hour window of a store of SIZE, time to first byte
# through `/packets/search`, side by side with `tcpdump -r` over the same
# segment files (same answer).
# Usage: bench/packets.sh [SIZE] [HOURS] [COPIES]   (default 10GB 10 5)
# Needs tcpdump, mergecap, editcap, capinfos, curl (apt-get install tcpdump tshark curl).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-10GB}
HOURS=${2:-10}
COPIES=${3:-5}
CORPUS=../shared/data/ndpi/pcaps
if [ -z "${REL:-}" ]; then
  cargo build --release -q -p wirewatch
  cargo build --release -q -p wirewatch-packets --examples
  REL=target/release
fi
BIN=$REL/wirewatch
W=$(mktemp -d /tmp/wirewatch-packets-bench.XXXXXX)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$W"' EXIT

# --- 1. ingest with the packet store on and off --------------------------
ok=()
for f in "$CORPUS"/*; do capinfos "$f" >/dev/null 2>&1 && ok+=("$f"); done
mergecap -a -F pcapng -w "$W/corpus.pcapng" "${ok[@]}"
copies=(); for _ in $(seq "$COPIES"); do copies+=("$W/corpus.pcapng"); done
mergecap -a -F pcapng -w "$W/big.pcapng" "${copies[@]}"
size=$(stat -c %s "$W/big.pcapng")
echo "ingest input: ${#ok[@]} nDPI captures merged, $COPIES copies: $((size / 1048576)) MiB"
PIN=(); command -v taskset >/dev/null && PIN=(taskset -c 1)
measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e" -o "$W/time" "${PIN[@]}" "$@" >"$W/out" 2>&1
  read -r secs <"$W/time"
  awk -v l="$label" -v s="$secs" -v b="$size" 'BEGIN { printf "%-40s %6.2f s  %7.1f MB/s\n", l, s, b / s / 1e6 }'
}
# SKIP_INGEST=1 skips this part (ROUNDS=0 runs none).
[ -n "${SKIP_INGEST:-}" ] && ROUNDS=0
for round in $(seq "${ROUNDS:-3}"); do
  rm -rf "$W/off" "$W/on"
  measure "ingest, packet store off" "$BIN" ingest --quiet --data-dir "$W/off" --packets-max-bytes 0 "$W/big.pcapng"
  measure "ingest, packet store on" "$BIN" ingest --quiet --data-dir "$W/on" "$W/big.pcapng"
done
[ -d "$W/on" ] && echo "    kept: $(du -sh "$W/on/packets" | cut -f1) in $(ls "$W/on/packets" | grep -c pcap) segments"
rm -rf "$W/off" "$W/on" "$W/big.pcapng"

# --- 2. a 5-tuple in a one-hour window of SIZE ----------------------------
mkdir -p "$W/data"
"$REL/examples/packets_fill" "$W/data/packets" "$SIZE" "$HOURS" "$W/corpus.pcapng"
echo "store: $(du -sh "$W/data/packets" | cut -f1) in $(ls "$W/data/packets" | grep -c pcap) segments over $HOURS hours"
# One TCP conversation of the corpus (it recurs in every copy).
BPF="host 192.168.1.13 and host 178.62.197.130 and tcp port 55523 and port 443"
NOW=$(date +%s%3N)
FROM=$((NOW - HOURS * 3600000 / 2)); UNTIL=$((FROM + 3600000))
PORT=$((20000 + RANDOM % 20000))
WIREWATCH_SETUP_PASSWORD=bench-password-1 WIREWATCH_LOG=warn "$BIN" serve --no-tls \
  --listen "127.0.0.1:$PORT" --data-dir "$W/data" >"$W/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api/v1/extrahop/version" >/dev/null && break; sleep 0.1; done
KEY=$(curl -s "http://127.0.0.1:$PORT/api/v1/apikeys" -H 'Content-Type: application/json' \
  -d '{"password": "bench-password-1"}' | sed 's/.*"key": *"\([^"]*\)".*/\1/')
search() { # label (a second call is warm: the index and blocks are in the page cache)
  curl -s -o "$W/ours.pcap" -w "%{http_code} %{time_starttransfer} %{time_total}\n" \
    "http://127.0.0.1:$PORT/api/v1/packets/search" -H "Authorization: ExtraHop apikey=$KEY" \
    -H 'Content-Type: application/json' \
    -d "{\"from\": $FROM, \"until\": $UNTIL, \"bpf\": \"$BPF\", \"limit_bytes\": \"1GB\"}" >"$W/t"
  read -r code ttfb total <"$W/t"
  printf "%-40s HTTP %s  first byte %6.1f ms  whole answer %7.1f ms  %s packets\n" "$1" "$code" \
    "$(echo "$ttfb * 1000" | bc)" "$(echo "$total * 1000" | bc)" "$(capinfos -c -M "$W/ours.pcap" | awk '/Number of packets/ {print $NF}')"
}
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null && cold="(page cache dropped)" || cold="(page cache not dropped: not root)"
search "/packets/search, 1 h window $cold"
search "/packets/search, again (warm)"
# tcpdump over the same segment files: all of them, then only those of the hour.
# (tcpdump reads a list of files of one link type: the Ethernet segments,
# which hold every packet of this conversation.)
for f in "$W/data/packets"/seg-*.pcap; do
  [ "$(od -An -t u4 -j 20 -N 4 "$f" | tr -d ' ')" = 1 ] && echo "$f"
done >"$W/all.list"
/usr/bin/time -f "%e" -o "$W/time" tcpdump -q -V "$W/all.list" -w "$W/td.pcap" "$BPF" 2>/dev/null
printf "%-40s whole answer %7.0f ms\n" "tcpdump -r (all segments, all times)" "$(echo "$(cat "$W/time") * 1000" | bc)"
TZ=UTC editcap -A "$(date -u -d @$((FROM / 1000)) '+%Y-%m-%d %H:%M:%S')" -B "$(date -u -d @$((UNTIL / 1000 + 1)) '+%Y-%m-%d %H:%M:%S')" "$W/td.pcap" "$W/td-hour.pcap" 2>/dev/null
echo "same answer: tcpdump's packets of the hour $(capinfos -c -M "$W/td-hour.pcap" | awk '/Number of packets/ {print $NF}'), ours $(capinfos -c -M "$W/ours.pcap" | awk '/Number of packets/ {print $NF}')"
n=$(wc -l <"$W/all.list")
sed -n "$((n * (HOURS / 2) / HOURS)),$((n * (HOURS / 2 + 1) / HOURS + 1))p" "$W/all.list" >"$W/hour.list"
/usr/bin/time -f "%e" -o "$W/time" tcpdump -q -V "$W/hour.list" -w "$W/td2.pcap" "$BPF" 2>/dev/null
printf "%-40s whole answer %7.0f ms (%s segments)\n" "tcpdump -r (the hour's segments only)" "$(echo "$(cat "$W/time") * 1000" | bc)" "$(wc -l <"$W/hour.list")"
