#!/usr/bin/env bash
# Side-by-side records search of two builds on one store (issue 12's
# before/after): bench/records.sh's query (serverPort = 443 and clientAddr in
# 10.1.0.0/16, limit 100, exact total), the two servers alternated ROUNDS times
# on the same store, RUNS requests each.
# Usage: bench/records_ab.sh OLD_RELEASE_DIR NEW_RELEASE_DIR [COUNT] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1; NEW=$2; COUNT=${3:-10000000}; ROUNDS=${4:-3}; RUNS=${RUNS:-100}
PORT=${PORT:-18962}
DIR=$(mktemp -d /tmp/wirewatch-records-ab.XXXXXX)
trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
"$OLD/populate_records" "$DIR" "$COUNT"
BODY='{"from":"-2d","limit":100,"filter":{"operator":"and","rules":[{"field":"serverPort","operator":"=","operand":443},{"field":"clientAddr","operator":"=","operand":"10.1.0.0/16"}]}}'
for round in $(seq "$ROUNDS"); do
  for side in old new; do
    if [ $side = old ]; then rel=$OLD; else rel=$NEW; fi
    WIREWATCH_LOG=warn "$rel/wirewatch" serve --data-dir "$DIR" --listen 127.0.0.1:$PORT --no-tls >/dev/null 2>&1 &
    PID=$!
    until curl -sf http://127.0.0.1:$PORT/api/v1/extrahop/version >/dev/null; do sleep 0.05; done
    KEY=$(curl -s -X POST http://127.0.0.1:$PORT/api/v1/apikeys -d '{"password":"bench-password"}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')
    for i in $(seq "$RUNS"); do
      curl -s -o /dev/null -w "%{time_total}\n" -H "Authorization: ExtraHop apikey=$KEY" http://127.0.0.1:$PORT/api/v1/records/search -d "$BODY"
    done | sort -n | awk -v r="round $round $side" '{a[NR]=$1} END {printf "%s: %d runs, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n", r, NR, a[int(NR*0.5)]*1000, a[int(NR*0.95)]*1000, a[int(NR*0.99)]*1000, a[NR]*1000}'
    kill $PID; wait $PID 2>/dev/null || true
  done
done
