#!/usr/bin/env bash
# Prism (Stoplight's OpenAPI mock server) in validating mode, as a stand-in for a
# third-party REST API in the integration tests (Jira REST v2: see jira-spec.sh).
#
# Usage: run-prism.sh SPEC PORT [EXTRA_PRISM_MOCK_ARGS...]
#
#   SPEC  OpenAPI 2/3 file (JSON or YAML)
#   PORT  listens on http://127.0.0.1:PORT (no base path: the spec's `servers` URL is
#         ignored for routing, so Jira's /rest/api/2/issue is served at /rest/api/2/issue)
#
# Runs `prism mock --errors -h 127.0.0.1 -p PORT SPEC` in the foreground (exec; stop it
# with SIGTERM/SIGINT). Logs go to stdout: one line per route at startup (~420 for
# Jira; pass `-v warn` to quieten), then one block per request. Ready when the port
# accepts connections: ~3 s for the Jira spec on 2 idle cores, 5-7 s under load;
# any path not in the spec answers 404 application/problem+json (NO_PATH_MATCHED_ERROR).
#
# What Prism (5.14) does with each request:
#   - valid request: the operation's first 2xx response, body = its example, or one
#     built from the schema if it has none (`-d`: random bodies from the schema);
#     `Prefer: code=404` / `Prefer: example=NAME` request headers pick others.
#   - invalid request (body/param schema, missing required param, wrong Content-Type):
#     the operation's 422, else 400, else default response (with its example, if
#     any), or a generated 422 application/problem+json when there is none (for a
#     wrong Content-Type 415 is tried first). The violations are in
#     the `sl-violations` response header, a JSON array of
#     {"location":["request","body","fields"],"severity":"Error","code":"type","message":...},
#     and in the log ("Request did not pass the validation rules").
#   - --errors only concerns responses: a response Prism built that violates the spec
#     becomes 500 application/problem+json (type https://stoplight.io/prism/errors#VIOLATIONS,
#     `validation` array). It does NOT turn request violations into errors.
#   - security: checked only for operations that require it: without credentials
#     401 (sl-violations code 401 "Invalid security scheme used"); only the presence
#     of a scheme's header is checked, never the credentials. Jira's issue operations
#     (about half of all) list {} (anonymous) as an alternative: no check at all.
#
# Prism: $PRISM (a prism executable) if set; otherwise @stoplight/prism-cli $PRISM_VERSION
# (default pinned below) installed with npm into $WIREWATCH_CACHE (default
# $HOME/.cache/wirewatch)/prism on first use. Needs node >= 18.20.1 and npm.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 SPEC PORT [EXTRA_PRISM_MOCK_ARGS...]" >&2
    exit 2
fi
SPEC=$1 PORT=$2
shift 2

die() { echo "run-prism.sh: $*" >&2; exit 1; }

[ -r "$SPEC" ] || die "spec file $SPEC not found or not readable"
[[ $PORT =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || die "bad port: $PORT"

# 5.15 and later need node >= 24.14; 5.14.2 runs on node 18.20.1+ (Debian 12's nodejs
# is 18.20.4).
PRISM_VERSION=${PRISM_VERSION:-5.14.2}

if [ -n "${PRISM:-}" ]; then
    BIN=$PRISM
    if [[ $BIN != */* ]]; then
        BIN=$(command -v "$BIN") || die "PRISM=$PRISM: no such command"
    fi
    [ -x "$BIN" ] || die "PRISM=$PRISM is not an executable file"
else
    CACHE=${WIREWATCH_CACHE:-$HOME/.cache/wirewatch}
    PREFIX=$CACHE/prism
    BIN=$PREFIX/node_modules/.bin/prism
    PKG=$PREFIX/node_modules/@stoplight/prism-cli/package.json
    installed() {
        [ -x "$BIN" ] && [ -r "$PKG" ] &&
            grep -Eq "\"version\": *\"${PRISM_VERSION//./\\.}\"" "$PKG"
    }
    if ! installed; then
        command -v node >/dev/null || die "node is not installed (needed by Prism; e.g. apt-get install nodejs npm)"
        command -v npm >/dev/null || die "npm is not installed (needed to install Prism; e.g. apt-get install npm)"
        mkdir -p "$PREFIX" || die "cannot create $PREFIX"
        # Several tests may start Prism at once: one installs, the others wait.
        exec 9>"$PREFIX.lock"
        if command -v flock >/dev/null; then
            flock -w 600 9 || die "timed out waiting for another Prism install ($PREFIX.lock)"
        fi
        if ! installed; then
            echo "run-prism.sh: installing @stoplight/prism-cli@$PRISM_VERSION into $PREFIX" >&2
            log=$PREFIX.install.log
            if ! npm install --prefix "$PREFIX" --no-audit --no-fund --save-exact --loglevel=error \
                    "@stoplight/prism-cli@$PRISM_VERSION" >"$log" 2>&1; then
                cat "$log" >&2
                die "npm install @stoplight/prism-cli@$PRISM_VERSION failed (log: $log)"
            fi
            installed || die "npm install finished but $BIN (version $PRISM_VERSION) is missing"
        fi
        exec 9>&-   # release the lock; Prism must not inherit it
    fi
fi

exec "$BIN" mock --errors -h 127.0.0.1 -p "$PORT" "$@" "$SPEC"
