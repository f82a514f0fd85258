#!/usr/bin/env bash
# Internal ticketing figures (issue 5). Usage: bench/tickets.sh [TICKETS]
#   - POST /detections with internal ticketing on (each detection opens or
#     joins a ticket in the same transaction): detections/s end to end
#   - GET /api/sonar/tickets (limit 100, filters) over TICKETS tickets (default 100,000): p99
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-100000}
PORT=${PORT:-18812}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
# REL=DIR runs the binaries in DIR (e.g. an older build, for a side-by-side run)
# instead of building this checkout.
if [ -z "${REL:-}" ]; then cargo build --release -q -p wirewatch -p wirewatch-bench; REL=target/release; fi
BIN=$REL/wirewatch
DIR=$(mktemp -d /tmp/wirewatch-bench.XXXXXX)
export WIREWATCH_SETUP_PASSWORD=bench-password
trap 'kill -9 $PID 2>/dev/null || true; rm -rf "$DIR" /tmp/ww-tickets-*.lua' EXIT

echo "== populate $COUNT tickets (store level)"
$REL/populate_tickets "$DIR" "$COUNT"
WIREWATCH_LOG=warn $BIN serve --data-dir "$DIR" --listen 127.0.0.1:$PORT --no-tls >/dev/null 2>&1 &
PID=$!
until curl -sf http://127.0.0.1:$PORT/api/v1/extrahop/version >/dev/null; do sleep 0.01; done
KEY=$(curl -s -X POST http://127.0.0.1:$PORT/api/v1/apikeys -d '{"password":"bench-password"}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')

cat > /tmp/ww-tickets-create.lua <<LUAEOF
math.randomseed(11)
wrk.method = "POST"
wrk.headers["Authorization"] = "ExtraHop apikey=$KEY"
wrk.headers["Content-Type"] = "application/json"
request = function()
  -- 2,000 offenders: most detections join an open ticket, some open one.
  local ip = "172.16." .. math.random(0, 7) .. "." .. math.random(1, 250)
  local body = '{"type": "port_scan", "risk_score": 40, "participants": [{"object_type": "ipaddr", "object_value": "' .. ip .. '", "role": "offender"}]}'
  return wrk.format(nil, "/api/v1/detections", nil, body)
end
LUAEOF
cat > /tmp/ww-tickets-list.lua <<LUAEOF
math.randomseed(7)
wrk.headers["Authorization"] = "Bearer $KEY"
local qs = {"?limit=100", "?limit=100&statuses=NEW&priorities=MEDIUM", "?limit=100&order_by=updated&order=desc",
            "?limit=100&keywords=10.1.2", "?limit=100&offset=5000"}
request = function()
  return wrk.format("GET", "/api/sonar/tickets" .. qs[math.random(1, #qs)])
end
LUAEOF
echo "== POST /api/v1/detections with internal ticketing (wrk -t1 -c32 -d10s)"
wrk -t1 -c32 -d10s --latency -s /tmp/ww-tickets-create.lua http://127.0.0.1:$PORT | grep -E "Requests/sec|50%|99%|Non-2xx"
echo "== GET /api/sonar/tickets over $COUNT+ tickets (wrk -t1 -c4 -d10s)"
wrk -t1 -c${LIST_CONNS:-4} -d10s --latency -s /tmp/ww-tickets-list.lua http://127.0.0.1:$PORT | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
