#!/usr/bin/env bash
# Install what the test suite needs and is missing (Debian; apt-get, pip and
# npm steps need root or a writable prefix), then make sure the public test
# corpora are beside the repository (scripts/test-data.sh). Idempotent: each
# step is skipped when its tool is already there. `scripts/test.sh` runs this
# first; CI (`.ci/run`) runs `scripts/test.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
# Debian 12 marks its Python "externally managed" (PEP 668): without this,
# every `pip install` below refuses to install into the system Python.
export PIP_BREAK_SYSTEM_PACKAGES=1
command -v cargo >/dev/null || {
  echo "install-test-deps.sh: cargo is missing; install Rust first (https://rustup.rs)" >&2
  exit 1
}
need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
# Debian's python3 comes without pip.
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
# Linking the tests, libpcap and tansu's SQLite needs a C toolchain.
command -v cc >/dev/null || need_apt+=(build-essential)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v curl >/dev/null || need_apt+=(curl)
# curl, npm and pip fetch over HTTPS.
[ -e /etc/ssl/certs/ca-certificates.crt ] || need_apt+=(ca-certificates)
# Syslog ODS targets are tested against a real rsyslogd (TLS through gnutls).
command -v rsyslogd >/dev/null || [ -x /usr/sbin/rsyslogd ] || need_apt+=(rsyslog rsyslog-gnutls)
command -v openssl >/dev/null || need_apt+=(openssl)
# The Jira connector is checked against Atlassian's OpenAPI with Prism (npm).
# (A nodesource nodejs ships npm; Debian's npm package would conflict with it.)
{ command -v node >/dev/null && command -v npm >/dev/null; } || need_apt+=(nodejs npm)
# Live capture (cargo feature `live`) links libpcap; its test runs in a
# network namespace (`ip netns`, iproute2).
{ [ -e /usr/include/pcap.h ] || [ -e /usr/include/pcap/pcap.h ]; } || need_apt+=(libpcap-dev)
command -v ip >/dev/null || need_apt+=(iproute2)
# Activity maps and the packet store are checked against what tshark and
# tcpdump read from the same captures.
command -v tshark >/dev/null || need_apt+=(tshark)
command -v tcpdump >/dev/null || need_apt+=(tcpdump)
# The web app is tested end to end in real Chromium, driven through chromedriver.
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
# The seed scripts run as real clients in the test suite.
python3 -c 'import requests' 2>/dev/null || python3 -m pip install --quiet requests
# MongoDB targets are tested against mockupdb (no MongoDB server is installable here).
python3 -c 'import mockupdb, pymongo' 2>/dev/null || python3 -m pip install --quiet mockupdb pymongo
# Alert e-mail is tested against a real local SMTP server (`python3 -m aiosmtpd`).
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet aiosmtpd
# SAML logins are tested with Responses signed by signxml (lxml + cryptography),
# an XML-DSig implementation independent of the server's.
python3 -c 'import signxml, lxml' 2>/dev/null || python3 -m pip install --quiet signxml
# The API is fuzzed from its OpenAPI description.
command -v st >/dev/null || python3 -m pip install --quiet schemathesis
# Prism and the Jira REST v2 description (both cached under ~/.cache/wirewatch).
[ -x "$HOME/.cache/wirewatch/prism/node_modules/.bin/prism" ] ||
  npm install --prefix "$HOME/.cache/wirewatch/prism" --no-audit --no-fund --save-exact @stoplight/prism-cli@5.14.2
scripts/test/jira-spec.sh >/dev/null

# Kafka targets are tested against tansu, a Kafka-compatible broker: in memory
# (feature dynostore) and, for SASL/SCRAM, on SQLite (feature libsql: users must
# survive the restart that turns authentication on). About 13 minutes to build
# on 2 cores; skipped when a tansu with both features is already installed.
tansu_ok() {
  python3 - <<'PY'
import json, os, sys
try:
    d = json.load(open(os.path.expanduser("~/.cargo/.crates2.json")))["installs"]
except Exception:
    sys.exit(1)
ok = any(k.startswith("tansu ") and {"dynostore", "libsql"} <= set(v.get("features", [])) for k, v in d.items())
sys.exit(0 if ok and os.path.exists(os.path.expanduser("~/.cargo/bin/tansu")) else 1)
PY
}
tansu_ok || cargo install --force tansu --features dynostore,libsql

# Zeek's traces, suricata-verify cases and nDPI's captures in ../shared/data.
scripts/test-data.sh
