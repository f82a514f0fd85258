#!/usr/bin/env bash
# Detection store figures (issue 2). Usage: bench/detections.sh [COUNT]
#   - fills a fresh store with COUNT synthetic detections (default 1,000,000)
#   - restart time to serving with that store
#   - GET /detections/{id} throughput (wrk, a second process on loopback)
#   - POST /detections/search, two filters, limit 100: latency percentiles
#   - POST /detections (create) throughput
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-1000000}
PORT=${PORT:-18811}
THREADS=${THREADS:-1}
CONNS=${CONNS:-32}
DUR=${DUR:-10s}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

# REL=DIR runs the binaries in DIR (e.g. an older build, for a side-by-side run)
# instead of building this checkout.
if [ -z "${REL:-}" ]; then cargo build --release -q -p wirewatch -p wirewatch-bench; REL=target/release; fi
BIN=${BIN:-$REL/wirewatch}
DIR=$(mktemp -d /tmp/wirewatch-bench.XXXXXX)
export WIREWATCH_SETUP_PASSWORD=bench-password
trap 'kill -9 $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT

echo "== populate $COUNT detections"
$REL/populate "$DIR" "$COUNT"

start() {
  local t0=$(date +%s%N)
  WIREWATCH_LOG=warn $BIN serve --data-dir "$DIR" --listen 127.0.0.1:$PORT --no-tls >/dev/null 2>&1 &
  PID=$!
  until curl -sf http://127.0.0.1:$PORT/api/v1/extrahop/version >/dev/null; do sleep 0.005; done
  local t1=$(date +%s%N)
  echo "start to serving: $(( (t1 - t0) / 1000000 )) ms"
}

echo "== first start"
start
KEY=$(curl -s -X POST http://127.0.0.1:$PORT/api/v1/apikeys -d '{"password":"bench-password"}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')
echo "== restart after SIGKILL with $COUNT detections"
kill -9 $PID; wait $PID 2>/dev/null || true
start

LUA=$(mktemp /tmp/wirewatch-lua.XXXXXX)
cat > "$LUA.get.lua" <<LUAEOF
math.randomseed(7)
wrk.headers["Authorization"] = "ExtraHop apikey=$KEY"
request = function()
  return wrk.format("GET", "/api/v1/detections/" .. math.random(1, $COUNT))
end
LUAEOF
cat > "$LUA.search.lua" <<LUAEOF
math.randomseed(7)
wrk.method = "POST"
wrk.headers["Authorization"] = "ExtraHop apikey=$KEY"
wrk.headers["Content-Type"] = "application/json"
local types = {"port_scan", "dns_tunnel", "ssh_brute_force", "sqli_attack", "hacking_tools"}
request = function()
  local body = '{"filter": {"types": ["' .. types[math.random(1, #types)] .. '"], "risk_score_min": ' .. math.random(0, 90) .. '}, "limit": 100}'
  return wrk.format(nil, "/api/v1/detections/search", nil, body)
end
LUAEOF
cat > "$LUA.create.lua" <<LUAEOF
wrk.method = "POST"
wrk.headers["Authorization"] = "ExtraHop apikey=$KEY"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"type": "port_scan", "risk_score": 40, "properties": {"scan_type": "vertical"}, "participants": [{"object_type": "ipaddr", "object_value": "10.1.2.3", "role": "offender"}, {"object_type": "ipaddr", "object_value": "10.1.2.4", "role": "victim"}]}'
LUAEOF

echo "== GET /api/v1/detections/{id} (wrk -t$THREADS -c$CONNS -d$DUR)"
wrk -t$THREADS -c$CONNS -d$DUR --latency -s "$LUA.get.lua" http://127.0.0.1:$PORT | grep -E "Requests/sec|50%|99%|Non-2xx"
echo "== POST /api/v1/detections/search, types + risk_score_min, limit 100 (wrk -t1 -c4 -d$DUR)"
wrk -t1 -c4 -d$DUR --latency -s "$LUA.search.lua" http://127.0.0.1:$PORT | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
echo "== POST /api/v1/detections (create; wrk -t$THREADS -c$CONNS -d$DUR)"
wrk -t$THREADS -c$CONNS -d$DUR --latency -s "$LUA.create.lua" http://127.0.0.1:$PORT/api/v1/detections | grep -E "Requests/sec|50%|99%|Non-2xx"
rm -f "$LUA" "$LUA".*.lua
