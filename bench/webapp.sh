#!/usr/bin/env bash
# The Detections page's figures (issue 14). Usage: bench/webapp.sh [COUNT]
#   - fills a fresh store with COUNT detections (default 100,000) spread
#     over 30 days with triage state (`populate --triaged`)
#   - starts a release `wirewatch serve --no-tls` on it
#   - bench/webapp.py: p50/p99 of every call the page makes on load, for
#     each sort and a dozen filters, then the time until the list and the
#     chart are drawn in headless Chromium (chromedriver)
# ITER=N sets the calls per measure (default 200), LOADS=N the page loads
# per view (default 20), BROWSER=0 skips Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-100000}
PORT=${PORT:-18812}
ITER=${ITER:-200}
LOADS=${LOADS:-20}

# REL=DIR runs the binaries in DIR instead of building this checkout.
if [ -z "${REL:-}" ]; then cargo build --release -q -p wirewatch -p wirewatch-bench; REL=target/release; fi
BIN=${BIN:-$REL/wirewatch}
DIR=$(mktemp -d /tmp/wirewatch-webapp.XXXXXX)
export WIREWATCH_SETUP_PASSWORD=bench-password
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"' EXIT

echo "== populate $COUNT detections (30 days, triaged)"
$REL/populate "$DIR" "$COUNT" --triaged
WIREWATCH_LOG=warn $BIN serve --data-dir "$DIR" --listen 127.0.0.1:$PORT --no-tls >/dev/null 2>&1 &
PID=$!
until curl -sf http://127.0.0.1:$PORT/api/v1/extrahop/version >/dev/null; do sleep 0.05; done
ARGS=(--iterations "$ITER" --loads "$LOADS")
[ "${BROWSER:-1}" = 0 ] && ARGS+=(--no-browser)
python3 bench/webapp.py "http://127.0.0.1:$PORT" bench-password "${ARGS[@]}"
