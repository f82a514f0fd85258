#!/usr/bin/env bash
# Records search figure (issue 3). Usage: bench/records.sh [COUNT]   (default 10,000,000)
# Fills a store with COUNT synthetic ~flow records over the last 24 hours, then
# times POST /records/search with serverPort = 443 and a CIDR on clientAddr, limit 100.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-10000000}
PORT=${PORT:-18961}
# REL=DIR runs the binaries in DIR (e.g. an older build, for a side-by-side run)
# instead of building this checkout.
if [ -z "${REL:-}" ]; then cargo build --release -q -p wirewatch -p wirewatch-bench; REL=target/release; fi
DIR=$(mktemp -d /tmp/wirewatch-records.XXXXXX)
trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
$REL/populate_records "$DIR" "$COUNT"
WIREWATCH_LOG=warn $REL/wirewatch serve --data-dir "$DIR" --listen 127.0.0.1:$PORT --no-tls >/dev/null 2>&1 &
PID=$!
until curl -sf http://127.0.0.1:$PORT/api/v1/extrahop/version >/dev/null; do sleep 0.05; done
KEY=$(curl -s -X POST http://127.0.0.1:$PORT/api/v1/apikeys -d '{"password":"bench-password"}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')
BODY='{"from":"-2d","limit":100,"filter":{"operator":"and","rules":[{"field":"serverPort","operator":"=","operand":443},{"field":"clientAddr","operator":"=","operand":"10.1.0.0/16"}]}}'
RUNS=${RUNS:-200}
for i in $(seq "$RUNS"); do
  curl -s -o /dev/null -w "%{time_total}\n" -H "Authorization: ExtraHop apikey=$KEY" http://127.0.0.1:$PORT/api/v1/records/search -d "$BODY"
done | sort -n | awk '{a[NR]=$1} END {printf "records search, %d runs: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n", NR, a[int(NR*0.5)]*1000, a[int(NR*0.95)]*1000, a[int(NR*0.99)]*1000, a[NR]*1000}'
# The total it reports, to check the query did its work.
curl -s -H "Authorization: ExtraHop apikey=$KEY" http://127.0.0.1:$PORT/api/v1/records/search -d "$BODY" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("total", r["total"], "page", len(r["records"]))'

# Other query shapes on the same store (fewer runs): what a user meets beyond the figure.
shape() { # label, body, [runs]
  for i in $(seq "${3:-20}"); do
    curl -s -o /dev/null -w "%{time_total}\n" -H "Authorization: ExtraHop apikey=$KEY" http://127.0.0.1:$PORT/api/v1/records/search -d "$2"
  done | sort -n | awk -v l="$1" '{a[NR]=$1} END {printf "  %-58s p50 %7.1f ms  max %7.1f ms\n", l, a[int(NR*0.5)]*1000, a[NR]*1000}'
}
shape "no filter, newest 100" '{"from":"-2d","limit":100}'
shape "receiverPort = 443, senderAddr in 10.1.0.0/16 (~flow names)" '{"from":"-2d","limit":100,"filter":{"operator":"and","rules":[{"field":"receiverPort","operator":"=","operand":443},{"field":"senderAddr","operator":"=","operand":"10.1.0.0/16"}]}}'
shape "sort by bytes desc, serverPort = 22, last hour" '{"from":"-1h","limit":100,"sort":[{"field":"bytes","direction":"desc"}],"filter":{"field":"serverPort","operator":"=","operand":22}}'
shape "clientAddr in 10.1.0.0/16 only" '{"from":"-2d","limit":100,"filter":{"field":"clientAddr","operator":"=","operand":"10.1.0.0/16"}}'
shape "serverAddr = 192.0.2.7" '{"from":"-2d","limit":100,"filter":{"field":"serverAddr","operator":"=","operand":"192.0.2.7"}}'
shape "last hour, serverPort = 22" '{"from":"-1h","limit":100,"filter":{"field":"serverPort","operator":"=","operand":22}}'
shape "offset 9900, serverPort = 443" '{"from":"-2d","limit":100,"offset":9900,"filter":{"field":"serverPort","operator":"=","operand":443}}'
shape "qname = host7.site42.example.com (~dns_request)" '{"from":"-2d","limit":100,"filter":{"field":"qname","operator":"=","operand":"host7.site42.example.com"}}'
shape "qname startswith host12. , last 6 hours" '{"from":"-6h","limit":100,"filter":{"field":"qname","operator":"startswith","operand":"host12."}}'
shape "clientBytes > 99990 (a field only the JSON holds: full scan)" '{"from":"-2d","limit":100,"filter":{"field":"clientBytes","operator":">","operand":99990}}' 3
