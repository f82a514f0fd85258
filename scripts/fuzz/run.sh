#!/usr/bin/env bash
# Run a cargo-fuzz target for SECONDS (default 600) on the seed corpus built from
# ../shared/data. Needs the nightly toolchain and cargo-fuzz:
#   rustup toolchain install nightly; cargo install cargo-fuzz
# Usage: scripts/fuzz/run.sh TARGET [SECONDS]   (targets: sensor_packets capture_file app_parsers)
# A finding is written to fuzz/artifacts/TARGET/ and the run fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET=${1:?target: sensor_packets, capture_file or app_parsers}
SECS=${2:-600}
[ -d fuzz/corpus/"$TARGET" ] || python3 scripts/fuzz/seed-corpus.py
cd fuzz
exec cargo +nightly fuzz run "$TARGET" corpus/"$TARGET" -- -max_total_time="$SECS" -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1
