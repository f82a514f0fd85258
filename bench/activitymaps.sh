#!/usr/bin/env bash
# Activity map figure (issue 13): the two SOAR questions ("peers of device X",
# "protocols device X speaks") over the bench's ingested data set: the nDPI
# captures merged as bench/sensor.sh merges them, COPIES copies, ingested with
# `wirewatch ingest`. X is the device with the most peers.
# Usage: bench/activitymaps.sh [COPIES]   (default 5; RUNS, default 50)
# Needs tshark's mergecap and capinfos (apt-get install tshark).
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES=${1:-5}
RUNS=${RUNS:-50}
PORT=${PORT:-18962}
CORPUS=../shared/data/ndpi/pcaps
if [ -z "${REL:-}" ]; then cargo build --release -q -p wirewatch; REL=target/release; fi
W=$(mktemp -d /tmp/wirewatch-activitymaps.XXXXXX)
trap 'kill $PID 2>/dev/null || true; rm -rf "$W"' EXIT
PID=

ok=()
for f in "$CORPUS"/*; do capinfos "$f" >/dev/null 2>&1 && ok+=("$f"); done
mergecap -a -F pcapng -w "$W/corpus.pcapng" "${ok[@]}"
copies=(); for _ in $(seq "$COPIES"); do copies+=("$W/corpus.pcapng"); done
mergecap -a -F pcapng -w "$W/big.pcapng" "${copies[@]}"
WIREWATCH_SETUP_PASSWORD=bench-password "$REL/wirewatch" ingest --quiet --data-dir "$W/store" "$W/big.pcapng" | grep -E "flows|devices"

WIREWATCH_SETUP_PASSWORD=bench-password WIREWATCH_LOG=warn \
  "$REL/wirewatch" serve --data-dir "$W/store" --listen 127.0.0.1:$PORT --no-tls >/dev/null 2>&1 &
PID=$!
until curl -sf http://127.0.0.1:$PORT/api/v1/extrahop/version >/dev/null; do sleep 0.05; done
KEY=$(curl -s -X POST http://127.0.0.1:$PORT/api/v1/apikeys -d '{"password":"bench-password"}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')
Q() { curl -s -H "Authorization: ExtraHop apikey=$KEY" http://127.0.0.1:$PORT/api/v1/activitymaps/query -d "$1"; }
# The captures keep their own packet times (years apart): the window is all time.
WIN='"from": 1, "until": 253402300799000'
ALL=$(Q "{$WIN, \"weighting\": \"connections\", \"walks\": [{\"origins\": [{\"object_type\": \"all_devices\"}], \"steps\": [{}]}]}")
X=$(echo "$ALL" | python3 -c 'import json,sys,collections; r=json.load(sys.stdin); c=collections.Counter(d for e in r["edges"] for d in {e["from"], e["to"]}); print(c.most_common(1)[0][0])')
echo "$ALL" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("graph:", len(r["edges"]), "edges;", "; ".join(w["message"] for w in r["warnings"]))'
PEERS="{$WIN, \"walks\": [{\"origins\": [{\"object_id\": $X, \"object_type\": \"device\"}], \"steps\": [{\"relationships\": [{\"protocol\": \"any\", \"role\": \"any\"}]}]}]}"
PROTOS="{$WIN, \"edge_annotations\": [\"protocols\"], \"walks\": [{\"origins\": [{\"object_id\": $X, \"object_type\": \"device\"}], \"steps\": [{}]}]}"
Q "$PEERS" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("device", '"$X"', "peers:", len(r["edges"]))'
Q "$PROTOS" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("protocols:", sorted({p for e in r["edges"] for s in e["annotations"]["protocols"] for p in s["protocol"]}))'
time_it() { # label, body
  for i in $(seq "$RUNS"); do
    curl -s -o /dev/null -w "%{time_total}\n" -H "Authorization: ExtraHop apikey=$KEY" \
      http://127.0.0.1:$PORT/api/v1/activitymaps/query -d "$2"
  done | sort -n | awk -v l="$1" '{a[NR]=$1} END {printf "%-28s %d runs: p50 %.1f ms, p95 %.1f ms, max %.1f ms\n", l, NR, a[int(NR*0.5)]*1000, a[int(NR*0.95)]*1000, a[NR]*1000}'
}
time_it "peers of device $X" "$PEERS"
time_it "protocols of device $X" "$PROTOS"
