#!/usr/bin/env bash
# Side-by-side create throughput of two builds (issue 2's POST /detections
# goal, ≥ 5,000/s with the store at 1M). Each build fills its own store with
# its own `populate` (the schemas differ: a build's indexes are part of what
# is measured), then the two servers are alternated ROUNDS times, each round
# DUR of `POST /detections` (32 connections) on its store, so machine drift
# hits both alike. Each round adds its creates to the store (a few percent of
# COUNT per round at 1M).
# STORES=DIR keeps the two stores in DIR (not removed at the end) and
# populates a side only when DIR holds no populated store for it (to fill
# them ahead, e.g. while the other build compiles: `POPULATE_ONLY=old`).
# Usage: bench/detections_create_ab.sh OLD_RELEASE_DIR NEW_RELEASE_DIR [COUNT] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1; NEW=$2; COUNT=${3:-1000000}; ROUNDS=${4:-4}
PORT=${PORT:-18814}; DUR=${DUR:-8s}; CONNS=${CONNS:-32}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
if [ -n "${STORES:-}" ]; then WORK=$STORES; mkdir -p "$WORK"; CLEAN=; else WORK=$(mktemp -d /tmp/wirewatch-create-ab.XXXXXX); CLEAN=$WORK; fi
export WIREWATCH_SETUP_PASSWORD=bench-password
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; [ -n "$CLEAN" ] && rm -rf "$CLEAN"' EXIT
start() { # REL DIR
  WIREWATCH_LOG=warn "$1/wirewatch" serve --data-dir "$2" --listen 127.0.0.1:$PORT --no-tls >/dev/null 2>&1 &
  PID=$!
  until curl -sf http://127.0.0.1:$PORT/api/v1/extrahop/version >/dev/null; do sleep 0.01; done
}
stop() { kill $PID; wait $PID 2>/dev/null || true; PID=; }
for side in ${POPULATE_ONLY:-old new}; do
  if [ $side = old ]; then rel=$OLD; else rel=$NEW; fi
  [ -f "$WORK/$side.lua" ] && continue
  rm -rf "$WORK/$side"; mkdir -p "$WORK/$side"
  t0=$(date +%s)
  "$rel/populate" "$WORK/$side" "$COUNT" >/dev/null
  echo "$side: populated $COUNT in $(( $(date +%s) - t0 )) s (load $(cut -d' ' -f1 /proc/loadavg))"
  start "$rel" "$WORK/$side"
  KEY=$(curl -s -X POST http://127.0.0.1:$PORT/api/v1/apikeys -d '{"password":"bench-password"}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')
  stop
  cat > "$WORK/$side.lua" <<LUAEOF
wrk.method = "POST"
wrk.headers["Authorization"] = "ExtraHop apikey=$KEY"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"type": "port_scan", "risk_score": 40, "properties": {"scan_type": "vertical"}, "participants": [{"object_type": "ipaddr", "object_value": "10.1.2.3", "role": "offender"}, {"object_type": "ipaddr", "object_value": "10.1.2.4", "role": "victim"}]}'
LUAEOF
done
[ -n "${POPULATE_ONLY:-}" ] && exit 0
echo "load average before the rounds: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for side in old new; do
    if [ $side = old ]; then rel=$OLD; else rel=$NEW; fi
    start "$rel" "$WORK/$side"
    out=$(wrk -t1 -c$CONNS -d$DUR --latency -s "$WORK/$side.lua" http://127.0.0.1:$PORT/api/v1/detections)
    stop
    echo "round $round $side: $(echo "$out" | awk '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {e=$0} END {print r " creates/s, p50 " p50 ", p99 " p99 (e ? ", " e : "")}') (load $(cut -d' ' -f1 /proc/loadavg))"
  done
done
