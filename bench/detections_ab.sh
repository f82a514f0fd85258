#!/usr/bin/env bash
# Side-by-side request overhead of two builds on one store (issue 12's
# before/after): GET /detections/{id} (32 connections) and the detection
# search (4 connections), the two servers alternated ROUNDS times on the same
# store, so machine drift hits both alike.
# Usage: bench/detections_ab.sh OLD_RELEASE_DIR NEW_RELEASE_DIR [COUNT] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1; NEW=$2; COUNT=${3:-1000000}; ROUNDS=${4:-4}
PORT=${PORT:-18813}; DUR=${DUR:-8s}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
DIR=$(mktemp -d /tmp/wirewatch-ab.XXXXXX)
LUA=$(mktemp -d /tmp/wirewatch-ab-lua.XXXXXX)
export WIREWATCH_SETUP_PASSWORD=bench-password
trap 'kill -9 $PID 2>/dev/null || true; rm -rf "$DIR" "$LUA"' EXIT
"$NEW/populate" "$DIR" "$COUNT" >/dev/null
start() {
  WIREWATCH_LOG=warn "$1/wirewatch" serve --data-dir "$DIR" --listen 127.0.0.1:$PORT --no-tls >/dev/null 2>&1 &
  PID=$!
  until curl -sf http://127.0.0.1:$PORT/api/v1/extrahop/version >/dev/null; do sleep 0.01; done
}
start "$NEW"
KEY=$(curl -s -X POST http://127.0.0.1:$PORT/api/v1/apikeys -d '{"password":"bench-password"}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')
kill $PID; wait $PID 2>/dev/null || true
cat > "$LUA/get.lua" <<LUAEOF
math.randomseed(7)
wrk.headers["Authorization"] = "ExtraHop apikey=$KEY"
request = function()
  return wrk.format("GET", "/api/v1/detections/" .. math.random(1, $COUNT))
end
LUAEOF
cat > "$LUA/search.lua" <<LUAEOF
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
for round in $(seq "$ROUNDS"); do
  for side in old new; do
    if [ $side = old ]; then rel=$OLD; else rel=$NEW; fi
    start "$rel"
    get=$(wrk -t1 -c32 -d$DUR --latency -s "$LUA/get.lua" http://127.0.0.1:$PORT | awk '/Requests\/sec/ {r=$2} /^ +99%/ {p=$2} END {print r " req/s, p99 " p}')
    search=$(wrk -t1 -c4 -d$DUR --latency -s "$LUA/search.lua" http://127.0.0.1:$PORT | awk '/Requests\/sec/ {r=$2} /^ +99%/ {p=$2} END {print r " req/s, p99 " p}')
    echo "round $round $side: GET $get | search $search"
    kill $PID; wait $PID 2>/dev/null || true
  done
done
