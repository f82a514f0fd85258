#!/usr/bin/env bash
# Custom devices' cost on ingest (issue 13): `wirewatch ingest` of the nDPI
# corpus into a fresh store, without custom devices and with 100 of them.
# The 100: 45 CIDR blocks (the corpus's most-seen IPv4 /24s, found in the
# first run's store), 5 address ranges with a port range inside those, 40
# blocks no traffic uses (candidates to rule out), 10 port-only criteria
# (tested on every flow; they match most of the corpus). PORT_ONLY=0 makes
# those 10 unused blocks too, so that only the blocks' and ranges' traffic is
# attributed. Usage: bench/customdevices.sh [COPIES] (default 3)
# Needs mergecap, capinfos (tshark package), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES=${1:-3}
CORPUS=../shared/data/ndpi/pcaps
if [ -z "${REL:-}" ]; then cargo build --release -q -p wirewatch; REL=target/release; fi
BIN=$(realpath "$REL/wirewatch")
W=$(mktemp -d /tmp/wirewatch-cd-bench.XXXXXX)
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

PIN=(); command -v taskset >/dev/null && PIN=(taskset -c 1)
measure() { # label, store
  /usr/bin/time -f "%e %M" -o "$W/time" "${PIN[@]}" "$BIN" ingest --quiet --data-dir "$2" "$W/big.pcapng" >"$W/out" 2>&1
  read -r secs rss <"$W/time"
  awk -v l="$1" -v s="$secs" -v b="$size" -v r="$rss" \
    'BEGIN { printf "%-36s %6.2f s  %7.3f Gbit/s  peak RSS %d MiB\n", l, s, b * 8 / s / 1e9, r / 1024 }'
}

# The custom devices, made through the API of a server on the store.
make_devices() { # store, prefixes file
  local port=$((20000 + RANDOM % 20000))
  WIREWATCH_SETUP_PASSWORD=bench-password-123 WIREWATCH_LOG=warn \
    "$BIN" serve --no-tls --listen "127.0.0.1:$port" --data-dir "$1" >"$W/serve.log" 2>&1 &
  SERVER=$!
  local url="http://127.0.0.1:$port/api/v1"
  for _ in $(seq 100); do curl -fs "$url/extrahop/version" >/dev/null && break; sleep 0.1; done
  local key
  key=$(curl -fs -XPOST "$url/apikeys" -H 'Content-Type: application/json' \
    -d '{"password": "bench-password-123"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
  PORT_ONLY=${PORT_ONLY:-1} python3 - "$2" >"$W/bodies" <<'PY'
import json, os, sys
prefixes = [l.strip() for l in open(sys.argv[1]) if l.strip()][:50]
bodies = []
for i, p in enumerate(prefixes[:45]):
    bodies.append({"name": f"block {i}", "criteria": [{"ipaddr": f"{p}.0/24"}]})
for i, p in enumerate(prefixes[45:50]):
    bodies.append({"name": f"range {i}", "criteria": [{"ipaddr": f"{p}.1-{p}.100",
                   "ipaddr_direction": "dst", "dst_port_min": 1, "dst_port_max": 1024}]})
ports = [443, 80, 53, 22, 25, 123, 3389, 8080, 5353, 1900] if os.environ["PORT_ONLY"] != "0" else []
for i in range(100 - len(bodies) - len(ports)):
    bodies.append({"name": f"unused {i}", "criteria": [{"ipaddr": f"198.18.{i}.0/24"}]})
for port in ports:
    bodies.append({"name": f"port {port}", "criteria": [{"dst_port_min": port, "dst_port_max": port}]})
for b in bodies:
    print(json.dumps(b))
PY
  while read -r body; do
    curl -fs -o /dev/null -XPOST "$url/customdevices" -H "Authorization: ExtraHop apikey=$key" \
      -H 'Content-Type: application/json' -d "$body"
  done <"$W/bodies"
  echo "custom devices: $(curl -fs "$url/customdevices" -H "Authorization: ExtraHop apikey=$key" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
}

# Records whose traffic was attributed to a custom device.
attributed() { # store
  python3 - "$1/wirewatch.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
tables = [r[0] for r in c.execute("SELECT 'records_' || id FROM record_segments")]
n = t = 0
for tb in tables:
    t += c.execute(f"SELECT count(*) FROM {tb}").fetchone()[0]
    n += c.execute(f"""SELECT count(*) FROM {tb} WHERE doc LIKE '%"server":{{"type":"device"%'
                       OR doc LIKE '%"client":{{"type":"device"%'""").fetchone()[0]
print(f"records attributed to a custom device: {n} of {t}")
PY
}

# The most-seen IPv4 /24s, from a store without custom devices.
prefixes() { # store
  python3 - "$1/wirewatch.db" <<'PY'
import sqlite3, sys, collections
c = sqlite3.connect(sys.argv[1])
seen = collections.Counter()
for (tb,) in c.execute("SELECT 'records_' || id FROM record_segments").fetchall():
    for a, b in c.execute(f"SELECT client_addr, server_addr FROM {tb} WHERE type = '~flow'"):
        for x in (a, b):
            if x and x.count(".") == 3:
                seen[x.rsplit(".", 1)[0]] += 1
for p, _ in seen.most_common(50):
    print(p)
PY
}

measure "warm-up (discarded)" "$W/warm"
prefixes "$W/warm" >"$W/prefixes"
mkdir -p "$W/template"
make_devices "$W/template" "$W/prefixes"
for round in $(seq "${ROUNDS:-3}"); do
  rm -rf "$W/base" "$W/cd"
  measure "no custom devices" "$W/base"
  cp -r "$W/template" "$W/cd"
  measure "100 custom devices" "$W/cd"
done
attributed "$W/cd"
