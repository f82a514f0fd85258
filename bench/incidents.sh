#!/usr/bin/env bash
# External incident figures (issue 5). Usage: bench/incidents.sh [COUNT] [OUTAGE_SECS] [servicenow|jira]
#   COUNT detections (default 10,000) are created while the remote system (the
#   local stateful fake of ServiceNow/Jira) is down for OUTAGE_SECS (default 5;
#   600 for the 10-minute outage figure); then it comes back and the queue
#   drains: incidents/s, and a check that every detection has exactly one incident.
set -euo pipefail
cd "$(dirname "$0")/.."
# REL=DIR runs the binaries in DIR (e.g. an older build, for a side-by-side run)
# instead of building this checkout.
if [ -z "${REL:-}" ]; then cargo build --release -q -p wirewatch -p wirewatch-bench; REL=target/release; fi
exec $REL/incidents $REL/wirewatch "${1:-10000}" "${2:-5}" "${3:-servicenow}"
