#!/usr/bin/env bash
# Sensor throughput (issue 3): `wirewatch ingest` (decode, fragments, flows,
# records written to the store) side by side with `tshark -q -z conv,tcp` on
# the same input. Usage: bench/sensor.sh [COPIES]   (default 5)
# Needs tshark, mergecap and capinfos (apt-get install tshark).
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES=${1:-5}
CORPUS=../shared/data/ndpi/pcaps
# REL=DIR runs the binaries in DIR (e.g. an older build, for a side-by-side run)
# instead of building this checkout.
if [ -z "${REL:-}" ]; then cargo build --release -q -p wirewatch; REL=target/release; fi
BIN=$REL/wirewatch
W=$(mktemp -d /tmp/wirewatch-sensor-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

ok=()
for f in "$CORPUS"/*; do capinfos "$f" >/dev/null 2>&1 && ok+=("$f"); done
mergecap -a -F pcapng -w "$W/corpus.pcapng" "${ok[@]}"
copies=(); for _ in $(seq "$COPIES"); do copies+=("$W/corpus.pcapng"); done
mergecap -a -F pcapng -w "$W/big.pcapng" "${copies[@]}"
size=$(stat -c %s "$W/big.pcapng")
echo "input: ${#ok[@]} nDPI captures merged, $COPIES copies: $((size / 1048576)) MiB"

# Both pinned to one core (the goal is stated per core); the other core stays free.
PIN=(); command -v taskset >/dev/null && PIN=(taskset -c 1)
measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/time" "${PIN[@]}" "$@" >"$W/out" 2>&1
  read -r secs rss <"$W/time"
  awk -v l="$label" -v s="$secs" -v b="$size" -v r="$rss" \
    'BEGIN { printf "%-44s %6.2f s  %7.2f Gbit/s  peak RSS %d MiB\n", l, s, b * 8 / s / 1e9, r / 1024 }'
}
# BASE=DIR also runs DIR/wirewatch (an older build) on the same file, alternating
# with this one ROUNDS times (default 1): compare within one run.
for round in $(seq "${ROUNDS:-1}"); do
  if [ -n "${BASE:-}" ]; then
    rm -rf "$W/store"
    measure "base: wirewatch ingest" "$BASE/wirewatch" ingest --quiet --data-dir "$W/store" "$W/big.pcapng"
  fi
  rm -rf "$W/store"
  measure "wirewatch ingest (flows + records stored)" "$BIN" ingest --quiet --data-dir "$W/store" "$W/big.pcapng"
  grep -E "packets|flows" "$W/out" | sed 's/^/    /'
done
measure "tshark -q -z conv,tcp" tshark -r "$W/big.pcapng" -q -z conv,tcp

# Every capture in ../shared/data, one by one: none may crash the sensor.
rm -rf "$W/store"
all=$(find ../shared/data -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' | wc -l)
# (It exits 1 because some fuzz captures cannot be read at all: it says which.)
rc=0
"$BIN" ingest --quiet --data-dir "$W/store" $(find ../shared/data -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz') >"$W/out" 2>"$W/err" || rc=$?
echo "all $all captures under ../shared/data (exit $rc): $(head -1 "$W/out")"
grep -E "^Error|could not be read" "$W/err" | sed 's/^/    /'

grep -E "malformed|capture error" "$W/out" | sed 's/^/    /'
