#!/usr/bin/env bash
# Abuse figures (issue 11): memory under a password-guessing flood, how long
# slow connections stay open, /extrahop/version latency during large record
# searches. Usage: bench/abuse.sh [BASE_BINARY]
# With BASE_BINARY (a wirewatch built from an older commit), both run side by
# side on the same records store.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p wirewatch -p wirewatch-bench
RECORDS=$(mktemp -d /tmp/wirewatch-abuse-records.XXXXXX)
trap 'rm -rf "$RECORDS"' EXIT
# 200,000 synthetic records: enough for 8 searches of 10,000 records each.
target/release/populate_records "$RECORDS" 200000 >/dev/null
if [ $# -ge 1 ]; then
  python3 bench/abuse.py "$1" before "$RECORDS"
fi
python3 bench/abuse.py target/release/wirewatch after "$RECORDS"
