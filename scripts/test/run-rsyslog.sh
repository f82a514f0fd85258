#!/usr/bin/env bash
# Throwaway rsyslogd test receiver for wirewatch syslog sinks.
#
# Usage: run-rsyslog.sh DIR UDP_PORT TCP_PORT TLS_PORT
#
#   DIR       scratch directory (created). Everything lives here:
#               rsyslog.conf, work/ (rsyslog workDirectory), rsyslogd.pid,
#               ca.pem ca.key server.pem server.key (self-signed CA + server cert),
#               messages.log      one JSON object per received message (all listeners)
#               internal.log      rsyslogd's own status/error messages
#               rsyslogd.stderr   rsyslogd stdout/stderr
#   UDP_PORT  imudp  on 127.0.0.1 (RFC 5426, one message per datagram)
#   TCP_PORT  imptcp on 127.0.0.1 (plain TCP; LF-delimited AND RFC 6587 octet-counted)
#   TLS_PORT  imtcp  on 127.0.0.1 with gtls driver, mode 1 (RFC 5425, anon client auth,
#             also accepts octet-counted and LF framing inside TLS)
#
# Default: starts rsyslogd -n in the background, waits until all three ports listen,
# prints the PID on stdout and exits 0 (PID also in DIR/rsyslogd.pid).
# Stop it with: kill "$(cat DIR/rsyslogd.pid)"
# RSYSLOG_FOREGROUND=1: exec rsyslogd -n in the foreground instead (no readiness wait;
# caller must poll the ports itself). RSYSLOG_READY_TIMEOUT=secs (default 10).
set -euo pipefail

if [ $# -ne 4 ]; then
    echo "usage: $0 DIR UDP_PORT TCP_PORT TLS_PORT" >&2
    exit 2
fi
DIR=$1 UDP_PORT=$2 TCP_PORT=$3 TLS_PORT=$4
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
mkdir -p "$DIR/work"
DIR=$(cd "$DIR" && pwd)

# ---- certificates: CA + server cert (SAN localhost/127.0.0.1); made once per DIR, reused if present ----
if [ ! -s "$DIR/server.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=wirewatch-test-ca" \
        -keyout "$DIR/ca.key" -out "$DIR/ca.pem" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$DIR/server.key" -out "$DIR/server.csr" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" > "$DIR/server.ext"
    openssl x509 -req -in "$DIR/server.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" \
        -CAcreateserial -days 2 -extfile "$DIR/server.ext" -out "$DIR/server.pem" 2>/dev/null
    chmod 600 "$DIR/ca.key" "$DIR/server.key"
fi

# ---- config: no /etc/rsyslog.conf, no /etc/rsyslog.d, no imuxsock/imklog/imjournal ----
cat > "$DIR/rsyslog.conf" <<EOF
global(
  workDirectory="$DIR/work"
  maxMessageSize="256k"
  processInternalMessages="on"
  net.enableDNS="off"
  defaultNetstreamDriverCAFile="$DIR/ca.pem"
  defaultNetstreamDriverCertFile="$DIR/server.pem"
  defaultNetstreamDriverKeyFile="$DIR/server.key"
)
# processInternalMessages=on: keep our internal messages here (default off would
# send them to /dev/log, i.e. the system logger/journal).
# maxMessageSize must precede the inputs. Do not leave a default of 8k: longer
# messages get truncated (TCP) or split.

module(load="imudp")
module(load="imptcp")
module(load="imtcp" maxSessions="1000")

template(name="wwJson" type="list" option.jsonf="on") {
  property(outname="input"     name="inputname"            format="jsonf")
  property(outname="fromip"    name="fromhost-ip"          format="jsonf")
  property(outname="ver"       name="protocol-version"     format="jsonf")
  property(outname="timestamp" name="timestamp" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname"  name="hostname"             format="jsonf")
  property(outname="appname"   name="app-name"             format="jsonf")
  property(outname="tag"       name="syslogtag"            format="jsonf")
  property(outname="procid"    name="procid"               format="jsonf")
  property(outname="msgid"     name="msgid"                format="jsonf")
  property(outname="sd"        name="structured-data"      format="jsonf")
  property(outname="pri"       name="pri"                  format="jsonf")
  property(outname="severity"  name="syslogseverity"       format="jsonf")
  property(outname="sevtext"   name="syslogseverity-text"  format="jsonf")
  property(outname="facility"  name="syslogfacility"       format="jsonf")
  property(outname="factext"   name="syslogfacility-text"  format="jsonf")
  property(outname="msg"       name="msg"                  format="jsonf")
  property(outname="raw"       name="rawmsg"               format="jsonf")
}

# Remote messages go to their own ruleset so rsyslogd's internal messages
# (startup banner, errors) do not pollute messages.log.
ruleset(name="remote") {
  action(type="omfile" file="$DIR/messages.log" template="wwJson"
         asyncWriting="off" flushOnTXEnd="on" flushInterval="1")
}

input(type="imudp"  address="127.0.0.1" port="$UDP_PORT" name="udp" ruleset="remote"
      rcvBufSize="16m")
input(type="imptcp" address="127.0.0.1" port="$TCP_PORT" name="tcp" ruleset="remote"
      supportOctetCountedFraming="on")
input(type="imtcp"  address="127.0.0.1" port="$TLS_PORT" name="tls" ruleset="remote"
      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon"
      supportOctetCountedFraming="on")

# default ruleset: rsyslogd internal messages only
action(type="omfile" file="$DIR/internal.log")
EOF

# Validate config first (fails fast with a readable error).
"$RSYSLOGD" -N1 -f "$DIR/rsyslog.conf" >"$DIR/config-check.log" 2>&1 || {
    cat "$DIR/config-check.log" >&2; exit 1; }

rm -f "$DIR/rsyslogd.pid"
: > "$DIR/messages.log"

# -n: no fork; -f: our config only; -i: our pid file (a system rsyslogd uses
# /run/rsyslogd.pid, so both can run side by side).
if [ "${RSYSLOG_FOREGROUND:-0}" = 1 ]; then
    exec "$RSYSLOGD" -n -f "$DIR/rsyslog.conf" -i "$DIR/rsyslogd.pid"
fi
setsid "$RSYSLOGD" -n -f "$DIR/rsyslog.conf" -i "$DIR/rsyslogd.pid" \
    </dev/null >"$DIR/rsyslogd.stderr" 2>&1 &
PID=$!

# ---- readiness: all three sockets bound on 127.0.0.1 (checked via /proc, so we
# do not send anything to the listeners; a probe connect to the TLS port would log
# a handshake error). ----
hexport() { printf '%04X' "$1"; }
listening() { # $1=/proc/net/{tcp,udp} $2=port $3=state(0A listen, 07 udp)
    awk -v p="0100007F:$(hexport "$2")" -v s="$3" '$2==p && $4==s {f=1} END {exit !f}' "$1"
}
deadline=$(( $(date +%s) + ${RSYSLOG_READY_TIMEOUT:-10} ))
until listening /proc/net/udp "$UDP_PORT" 07 && listening /proc/net/tcp "$TCP_PORT" 0A \
      && listening /proc/net/tcp "$TLS_PORT" 0A; do
    if ! kill -0 "$PID" 2>/dev/null; then
        echo "rsyslogd exited early:" >&2; cat "$DIR/rsyslogd.stderr" "$DIR/internal.log" >&2 2>/dev/null || true
        exit 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "rsyslogd not ready after ${RSYSLOG_READY_TIMEOUT:-10}s" >&2; kill "$PID"; exit 1
    fi
    sleep 0.05
done
echo "$PID" > "$DIR/rsyslogd.pid"   # same PID rsyslogd writes itself (no fork with -n)
echo "$PID"
