#!/usr/bin/env bash
# Threat intelligence's cost on ingest (issue 15): `wirewatch ingest` of the
# nDPI corpus into a fresh store with no threat collection, and into a fresh
# store holding one collection of 1,000,000 observables (uploaded through
# the API as a .tar.gz of a STIX 2.1 bundle): 400,000 IPv4 and 50,000 IPv6
# addresses, 50,000 CIDR blocks of 13 prefix lengths, 300,000 host names and
# 200,000 URLs, plus a few names the corpus shows (google.com, facebook.com…)
# so that matching, marking and detections are part of the run. Alternates
# the two ROUNDS times (default 3), same file, both pinned to one core
# (PIN_CORE=0: not pinned, so the matcher's build overlaps with the analysis).
# The run with the collection prints the time spent checking records
# (`threat matching: … s`), the per-record cost without the one-off build,
# whose own time is in the server log line "threat collections loaded".
# Usage: bench/threat.sh [COPIES] (default 3)
# Needs mergecap, capinfos (tshark package), curl, python3, tar.
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES=${1:-3}
ROUNDS=${ROUNDS:-3}
CORPUS=../shared/data/ndpi/pcaps
if [ -z "${REL:-}" ]; then cargo build --release -q -p wirewatch; REL=target/release; fi
BIN=$(realpath "$REL/wirewatch")
W=$(mktemp -d /tmp/wirewatch-threat-bench.XXXXXX)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

ok=()
for f in "$CORPUS"/*; do capinfos "$f" >/dev/null 2>&1 && ok+=("$f"); done
mergecap -a -F pcapng -w "$W/corpus.pcapng" "${ok[@]}"
copies=(); for _ in $(seq "$COPIES"); do copies+=("$W/corpus.pcapng"); done
mergecap -a -F pcapng -w "$W/big.pcapng" "${copies[@]}"
size=$(stat -c %s "$W/big.pcapng")
echo "input: ${#ok[@]} nDPI captures merged, $COPIES copies: $((size / 1048576)) MiB"

# The collection: a STIX 2.1 bundle, 1,000 observables per indicator pattern.
mkdir -p "$W/coll"
python3 - "$W/coll/million.json" <<'PY'
import ipaddress, json, random, sys
random.seed(15)
vals = []
vals += [("ipv4-addr", str(ipaddress.IPv4Address(random.randrange(0x0B000000, 0xDF000000)))) for _ in range(400_000)]
vals += [("ipv6-addr", str(ipaddress.IPv6Address((0x2001_0db8 << 96) | random.getrandbits(96)))) for _ in range(50_000)]
for _ in range(50_000):
    p = random.choice(range(16, 29))
    net = ipaddress.IPv4Network((random.randrange(0x0B000000, 0xDF000000), p), strict=False)
    vals.append(("ipv4-addr", str(net)))
words = ["cdn", "api", "mail", "update", "login", "secure", "files", "img", "static", "track"]
tlds = ["com", "net", "org", "info", "xyz", "top", "ru", "io"]
for i in range(300_000):
    vals.append(("domain-name", f"{random.choice(words)}{i}.{random.choice(words)}-{random.randrange(10**6)}.{random.choice(tlds)}"))
for i in range(200_000):
    vals.append(("url", f"http://{random.choice(words)}{i}.example-{random.randrange(10**6)}.com/{random.choice(words)}/{i}.php?id={i}"))
# Names the nDPI corpus shows: real matches.
vals += [("domain-name", d) for d in ["google.com", "facebook.com", "youtube.com", "apple.com", "microsoft.com", "whatsapp.net"]]
objs = []
for i in range(0, len(vals), 1000):
    chunk = vals[i:i + 1000]
    by = {}
    for t, v in chunk:
        by.setdefault(t, []).append(v)
    pattern = " OR ".join(
        "[%s:value IN (%s)]" % (t, ", ".join("'%s'" % v for v in vs)) for t, vs in by.items()
    )
    objs.append({"type": "indicator", "spec_version": "2.1", "id": f"indicator--{i:08d}-0000-4000-8000-000000000000",
                 "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z",
                 "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"})
json.dump({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000015", "objects": objs}, open(sys.argv[1], "w"))
print(f"collection: {len(vals)} observables in {len(objs)} indicators")
PY
tar -czf "$W/million.tgz" -C "$W" coll
echo "upload: $(($(stat -c %s "$W/million.tgz") / 1048576)) MiB .tar.gz"

PIN=(); [ "${PIN_CORE:-1}" != 0 ] && command -v taskset >/dev/null && PIN=(taskset -c 1)
measure() { # label, store
  WIREWATCH_LOG=info /usr/bin/time -f "%e %M" -o "$W/time" "${PIN[@]}" "$BIN" ingest --quiet --data-dir "$2" "$W/big.pcapng" >"$W/out" 2>&1
  read -r secs rss <"$W/time"
  awk -v l="$1" -v s="$secs" -v b="$size" -v r="$rss" \
    'BEGIN { printf "%-40s %6.2f s  %7.3f Gbit/s  peak RSS %d MiB\n", l, s, b * 8 / s / 1e9, r / 1024 }'
}

# Upload the collection to a store through the API of a server on it.
upload() { # store
  local port=$((20000 + RANDOM % 20000))
  WIREWATCH_SETUP_PASSWORD=bench-password-123 WIREWATCH_LOG=warn \
    "$BIN" serve --no-tls --listen "127.0.0.1:$port" --data-dir "$1" >"$W/serve.log" 2>&1 &
  SERVER=$!
  local url="http://127.0.0.1:$port/api/v1"
  for _ in $(seq 100); do curl -fs "$url/extrahop/version" >/dev/null && break; sleep 0.1; done
  local key
  key=$(curl -fs -XPOST "$url/apikeys" -H 'Content-Type: application/json' \
    -d '{"password": "bench-password-123"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
  local t0=$(date +%s.%N)
  curl -fs -o /dev/null -XPUT "$url/threatcollections/~million" -H "Authorization: ExtraHop apikey=$key" \
    -F name=Million -F "file=@$W/million.tgz"
  local t1=$(date +%s.%N)
  echo "upload (read + store 1M observables): $(python3 -c "print(round($t1 - $t0, 2))") s;" \
    "$(curl -fs "$url/threatcollections/~million/observables" -H "Authorization: ExtraHop apikey=$key")"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
}

upload "$W/with.template"
# The upload leaves its ~90 MB in the store's WAL: checkpoint it now, or the
# first timed ingest on a copy pays for writing it back into the database
# (measured: about 0.4 s of "matching" cost that had nothing to do with it).
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.close()' "$W/with.template/wirewatch.db"
for round in $(seq "$ROUNDS"); do
  rm -rf "$W/none" "$W/with"
  measure "ingest, no threat collection" "$W/none"
  cp -r "$W/with.template" "$W/with"
  measure "ingest, 1,000,000 observables" "$W/with"
  grep -E "detections|threat matching" "$W/out" | sed 's/^/    /'
  grep -o "threat collections loaded.*" "$W/out" | sed 's/^/    /' || true
done
python3 - "$W/with/wirewatch.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
tables = [r[0] for r in c.execute("SELECT 'records_' || id FROM record_segments")]
marked = sum(c.execute(f"SELECT count(*) FROM {t} WHERE doc LIKE '%\"threat\":[%'").fetchone()[0] for t in tables)
total = sum(c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)
dets = c.execute("SELECT count(*) FROM detections WHERE type = 'threat_intel_match'").fetchone()[0]
print(f"last run: {marked} of {total} records marked, {dets} threat_intel_match detections")
PY
