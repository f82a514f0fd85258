#!/usr/bin/env bash
# Packet store (issue 13): (1) what keeping packets costs `wirewatch ingest`
# (the nDPI corpus merged, COPIES copies, store on vs off); (2) a search for
# one 5-tuple in a one-hour window of a store of SIZE, time to first byte
# through `/packets/search`, side by side with `tcpdump -r` over the same
# segment files (same answer).
# Usage: bench/packets.sh [SIZE] [HOURS] [COPIES]   (default 10GB 10 5)
# Env: ROUNDS (ingest rounds, default 3), SKIP_INGEST=1, NOPIN=1 (ingest not
# pinned to one core), REL=DIR (a build),
# BENCH_TMP=DIR (where the inputs and the store go, default /tmp: the store
# of part 2 takes SIZE there; it is deleted at the end).
# Needs tcpdump, mergecap, capinfos, curl, bc (apt-get install tcpdump tshark curl bc).
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
mkdir -p "${BENCH_TMP:-/tmp}"
W=$(mktemp -d "${BENCH_TMP:-/tmp}/wirewatch-packets-bench.XXXXXX")
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
# Pinned to one core unless NOPIN=1 (the packet store's writer thread then
# has the second core).
PIN=(); [ -z "${NOPIN:-}" ] && command -v taskset >/dev/null && PIN=(taskset -c 1)
measure() { # label, command...: wall time, throughput, CPU (user + system)
  local label=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$W/time" "${PIN[@]}" "$@" >"$W/out" 2>&1
  read -r secs user sys <"$W/time"
  echo "$label $secs $user $sys" >>"$W/rounds"
  awk -v l="$label" -v s="$secs" -v u="$user" -v y="$sys" -v b="$size" \
    'BEGIN { printf "%-28s %6.2f s  %7.1f MB/s  CPU %5.2f s (user %5.2f, sys %5.2f)\n", l, s, b / s / 1e6, u + y, u, y }'
}
median() { # label, field (2 wall, 3 user, 4 sys, 5 user + sys)
  awk -v l="$1" -v f="$2" '$1 == l { print (f == 5 ? $3 + $4 : $f) }' "$W/rounds" | sort -n |
    awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
# SKIP_INGEST=1 skips this part (ROUNDS=0 runs none).
[ -n "${SKIP_INGEST:-}" ] && ROUNDS=0
for round in $(seq "${ROUNDS:-3}"); do
  rm -rf "$W/off" "$W/on"
  measure "off" "$BIN" ingest --quiet --data-dir "$W/off" --packets-max-bytes 0 "$W/big.pcapng"
  measure "on" "$BIN" ingest --quiet --data-dir "$W/on" "$W/big.pcapng"
done
if [ -s "$W/rounds" ]; then
  for l in off on; do
    printf "median, packet store %-3s  wall %5.2f s  %7.1f MB/s  CPU %5.2f s (user %5.2f)\n" "$l" \
      "$(median $l 2)" "$(echo "$size / $(median $l 2) / 1000000" | bc -l)" "$(median $l 5)" "$(median $l 3)"
  done
  echo "overhead of the store (medians): wall $(echo "($(median on 2) / $(median off 2) - 1) * 100" | bc -l | xargs printf %.1f) %," \
    "CPU $(echo "($(median on 5) / $(median off 5) - 1) * 100" | bc -l | xargs printf %.1f) %"
fi
[ -d "$W/on" ] && echo "    kept: $(du -sh "$W/on/packets" | cut -f1) in $(ls "$W/on/packets" | grep -c pcap) segments"
rm -rf "$W/off" "$W/on" "$W/big.pcapng"

# --- 2. a 5-tuple in a one-hour window of SIZE ----------------------------
[ -n "${SKIP_SEARCH:-}" ] && exit 0
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
# (-Z: as root tcpdump drops to its own user after opening the first file,
# and could not open the others in the 0700 data directory.)
TD=(tcpdump -Z "$(id -un)" -q)
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
/usr/bin/time -f "%e" -o "$W/time" "${TD[@]}" -V "$W/all.list" -w "$W/td.pcap" "$BPF" 2>/dev/null
printf "%-40s whole answer %7.0f ms\n" "tcpdump -r (all segments) $cold" "$(echo "$(cat "$W/time") * 1000" | bc)"
# Packet for packet: each packet's time (µs) and bytes, tcpdump's answer cut
# to the window [FROM, UNTIL] ms, both sorted (the two list packets of
# different segments in different orders).
digest() { # file [from_ms until_ms]
  "${TD[@]}" -r "$1" -tt -nn -xx 2>/dev/null |
    awk -v from="${2:-}" -v until="${3:-}" '
      function out() { if (p != "" && (from == "" || (us >= from * 1000 && us <= until * 1000 + 999))) print p }
      /^[0-9]/ { out(); split($1, t, "."); us = t[1] * 1000000 + t[2]; p = $1 }
      /^\t/ { sub(/^\t0x[0-9a-f]+: */, ""); gsub(/ /, ""); p = p " " $0 }
      END { out() }' | sort
}
digest "$W/ours.pcap" >"$W/ours.txt"
digest "$W/td.pcap" "$FROM" "$UNTIL" >"$W/td.txt"
if cmp -s "$W/ours.txt" "$W/td.txt"; then same="the same $(wc -l <"$W/ours.txt") packets, byte for byte"; else same="DIFFERENT: ours $(wc -l <"$W/ours.txt"), tcpdump's $(wc -l <"$W/td.txt") packets"; fi
echo "same answer as tcpdump's cut to the window: $same"
n=$(wc -l <"$W/all.list")
sed -n "$((n * (HOURS / 2) / HOURS)),$((n * (HOURS / 2 + 1) / HOURS + 1))p" "$W/all.list" >"$W/hour.list"
for state in "$cold" "(warm)"; do
  [ "$state" = "(warm)" ] || { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
  /usr/bin/time -f "%e" -o "$W/time" "${TD[@]}" -V "$W/hour.list" -w "$W/td2.pcap" "$BPF" 2>/dev/null
  printf "%-40s whole answer %7.0f ms (%s segments)\n" "tcpdump -r (the hour's segments) $state" "$(echo "$(cat "$W/time") * 1000" | bc)" "$(wc -l <"$W/hour.list")"
done
digest "$W/td2.pcap" "$FROM" "$UNTIL" >"$W/td2.txt"
cmp -s "$W/ours.txt" "$W/td2.txt" && echo "the hour's segments hold the whole answer (the same packets)" ||
  echo "the hour's segments do not hold the whole answer: $(wc -l <"$W/td2.txt") of $(wc -l <"$W/ours.txt") packets"
