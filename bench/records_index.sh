#!/usr/bin/env bash
# Segment index layouts side by side, on the store itself (no HTTP; issue 13):
# two stores of COUNT synthetic records, one filled by OLD (the records_index
# example built from a commit whose segment indexes do not end with `type`),
# one by this checkout's; bench/records.sh's query with the old names
# (serverPort = 443, clientAddr in 10.1.0.0/16) and with the `~flow` names
# (receiverPort, senderAddr) run RUNS times on each, alternated ROUNDS times.
# Usage: bench/records_index.sh OLD_RECORDS_INDEX [COUNT] [ROUNDS]
#   (COUNT default 2,000,000; ROUNDS 3; RUNS 100)
# Build OLD with: git stash / checkout the older commit, then
#   cargo build --release -p wirewatch-store --example records_index
#   and copy target/release/examples/records_index away.
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1; COUNT=${2:-2000000}; ROUNDS=${3:-3}; RUNS=${RUNS:-100}
[ -n "${NEW:-}" ] || { cargo build --release -q -p wirewatch-store --example records_index; NEW=target/release/examples/records_index; }
OLD_DIR=$(mktemp -d /tmp/wirewatch-idx-old.XXXXXX); NEW_DIR=$(mktemp -d /tmp/wirewatch-idx-new.XXXXXX)
trap 'rm -rf "$OLD_DIR" "$NEW_DIR"' EXIT
echo "before: $("$OLD" "$OLD_DIR" "$COUNT" 1 | sed -n 1p)"
echo "after:  $("$NEW" "$NEW_DIR" "$COUNT" 1 | sed -n 1p)"
for round in $(seq "$ROUNDS"); do
  "$OLD" "$OLD_DIR" "$COUNT" "$RUNS" | sed "s/^/round $round before: /"
  "$NEW" "$NEW_DIR" "$COUNT" "$RUNS" | sed "s/^/round $round after:  /"
done
