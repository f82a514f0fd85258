#!/usr/bin/env bash
# Prints the absolute path of Atlassian's Jira Cloud REST API v2 OpenAPI 3.0
# description, fetching it first if needed.
#
# Usage: jira-spec.sh
#
# Source: swagger.json in the crates.io crate jira-api-v2 1.0.1 (an openapi-generator
# client whose package ships Atlassian's published spec, info.version
# 1001.0.0-SNAPSHOT, 266 paths, all under /rest/api/2 and /rest/atlassian-connect/1).
# The crate is pinned by version and by the sha256 from the crates.io index.
#
# Cache: $WIREWATCH_CACHE (default $HOME/.cache/wirewatch)/jira-api-v2-1.0.1/
#   jira-api-v2-1.0.1.crate  the .crate archive
#   swagger.json             the spec exactly as shipped      (JIRA_SPEC_RAW=1 prints this)
#   jira-rest-v2.json        the same with response examples made usable by Prism
#                            (printed by default; see below)
#
# Why a modified copy: Atlassian's spec gives most response examples as a JSON
# *string* ("example": "{\"id\":\"10000\",...}") instead of an object. Prism serves
# that string as the body, then its own response validation fails ("Response body
# must be object") and with --errors every such call becomes a 500. So in the copy:
#   - string examples of response media types that hold a JSON object or array are
#     decoded (412 of them);
#   - response examples that still do not match their own schema are removed (29,
#     e.g. GET /rest/api/2/issue/createmeta: `fields.issuetype` lacks the required
#     `schema`), so Prism builds those bodies from the schema instead.
# Nothing else changes: paths, parameters, request bodies and all schemas are
# Atlassian's, so request validation is exactly theirs.
#
# Where the .crate comes from, first that works: cargo's own download cache
# (${CARGO_HOME:-~/.cargo}/registry/cache/*/), https://static.crates.io, the download
# URL of the sparse index's config.json (a registry mirror), or `cargo fetch` in a
# throwaway project (uses cargo's registry configuration; also fetches all the crate's
# dependencies, ~300 MB, so it is the last resort). Needs curl or cargo, tar,
# sha256sum, python3.
set -euo pipefail

if [ $# -ne 0 ]; then
    echo "usage: $0   (prints the path of the Jira REST v2 OpenAPI spec)" >&2
    exit 2
fi

CRATE=jira-api-v2
VERSION=1.0.1
SHA256=d8e062978c12cfc51ff46e7594ef471d2ddb0fa9ef92cf116cc876fa810f294b
CACHE=${WIREWATCH_CACHE:-$HOME/.cache/wirewatch}

die() { echo "jira-spec.sh: $*" >&2; exit 1; }

mkdir -p "$CACHE/$CRATE-$VERSION" || die "cannot create cache directory $CACHE/$CRATE-$VERSION"
DIR=$(cd "$CACHE/$CRATE-$VERSION" && pwd)
ARCHIVE=$DIR/$CRATE-$VERSION.crate
RAW=$DIR/swagger.json
OUT=$DIR/jira-rest-v2.json
want=$OUT
[ "${JIRA_SPEC_RAW:-0}" = 1 ] && want=$RAW
if [ -s "$want" ]; then
    echo "$want"
    exit 0
fi

TMP=$(mktemp -d "$DIR/.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

sha_ok() { [ -s "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SHA256" ]; }

# ---- 1. the .crate archive ----
tried=()
if ! sha_ok "$ARCHIVE"; then
    got=
    # cargo's download cache (any registry source directory)
    for f in "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$CRATE-$VERSION.crate"; do
        if sha_ok "$f"; then cp "$f" "$TMP/c.crate"; got=$f; break; fi
    done
    tried+=("cargo cache ${CARGO_HOME:-$HOME/.cargo}/registry/cache")
    # direct download: crates.io's static host, then the sparse index's `dl` (mirrors)
    if [ -z "$got" ] && command -v curl >/dev/null; then
        urls=("https://static.crates.io/crates/$CRATE/$CRATE-$VERSION.crate")
        dl=$(curl -fsSL -m 30 https://index.crates.io/config.json 2>/dev/null \
             | python3 -c 'import json,sys; print(json.load(sys.stdin).get("dl",""))' 2>/dev/null || true)
        if [ -n "$dl" ]; then
            if [[ $dl == *"{"* ]]; then
                u=${dl//\{crate\}/$CRATE}; u=${u//\{version\}/$VERSION}
                urls+=("$u")
            else
                urls+=("$dl/$CRATE/$VERSION/download")
            fi
        fi
        for u in "${urls[@]}"; do
            tried+=("$u")
            if curl -fsSL -m 120 --retry 2 -o "$TMP/c.crate" "$u" 2>"$TMP/curl.err" && sha_ok "$TMP/c.crate"; then
                got=$u; break
            fi
            rm -f "$TMP/c.crate"
        done
    fi
    # throwaway cargo project: cargo fetch honours cargo's registry/source-replacement config
    if [ -z "$got" ] && command -v cargo >/dev/null; then
        tried+=("cargo fetch")
        mkdir -p "$TMP/fetch/src"
        : > "$TMP/fetch/src/lib.rs"
        printf '[package]\nname = "ww-jira-spec-fetch"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\n%s = "=%s"\n' \
            "$CRATE" "$VERSION" > "$TMP/fetch/Cargo.toml"
        if (cd "$TMP/fetch" && CARGO_TARGET_DIR="$TMP/fetch/target" cargo fetch >"$TMP/cargo.log" 2>&1); then
            for f in "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$CRATE-$VERSION.crate"; do
                if sha_ok "$f"; then cp "$f" "$TMP/c.crate"; got=$f; break; fi
            done
        else
            sed 's/^/  cargo: /' "$TMP/cargo.log" >&2
        fi
    fi
    if [ -z "$got" ]; then
        echo "jira-spec.sh: could not get $CRATE $VERSION (sha256 $SHA256). Tried:" >&2
        printf '  %s\n' "${tried[@]}" >&2
        [ -s "$TMP/curl.err" ] && sed 's/^/  curl: /' "$TMP/curl.err" >&2
        exit 1
    fi
    mv -f "$TMP/c.crate" "$ARCHIVE"
fi

# ---- 2. swagger.json out of the archive ----
if [ ! -s "$RAW" ]; then
    tar -xzf "$ARCHIVE" -C "$TMP" "$CRATE-$VERSION/swagger.json" \
        || die "$ARCHIVE has no $CRATE-$VERSION/swagger.json"
    mv -f "$TMP/$CRATE-$VERSION/swagger.json" "$RAW"
fi

# ---- 3. the Prism-friendly copy (response examples decoded, trimmed or dropped) ----
if [ ! -s "$OUT" ]; then
    command -v python3 >/dev/null || die "python3 is needed to write $OUT"
    python3 - "$RAW" "$TMP/out.json" <<'PY' || die "could not convert $RAW"
import json, sys
src, dst = sys.argv[1], sys.argv[2]
spec = json.load(open(src, encoding="utf-8"))
if not str(spec.get("openapi", "")).startswith("3."):
    sys.exit(f"{src}: not an OpenAPI 3 document")

def resolve(s):
    for _ in range(64):
        if not (isinstance(s, dict) and "$ref" in s):
            return s
        node = spec
        for part in s["$ref"].lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        s = node
    raise ValueError("$ref loop")

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}
def valid(v, s, depth=0):
    """OpenAPI 3.0 schema check: $ref allOf oneOf anyOf nullable type enum required
    properties additionalProperties items (no formats, lengths or patterns)."""
    s = resolve(s)
    if not isinstance(s, dict) or depth > 100:
        return True
    if v is None and s.get("nullable"):
        return True
    if not all(valid(v, sub, depth + 1) for sub in s.get("allOf", [])):
        return False
    if "anyOf" in s and not any(valid(v, sub, depth + 1) for sub in s["anyOf"]):
        return False
    if "oneOf" in s and sum(valid(v, sub, depth + 1) for sub in s["oneOf"]) != 1:
        return False
    t = s.get("type")
    if t == "integer":
        ok = isinstance(v, int) and not isinstance(v, bool)
    elif t == "number":
        ok = isinstance(v, (int, float)) and not isinstance(v, bool)
    else:
        ok = t is None or isinstance(v, TYPES.get(t, object))
    if not ok or ("enum" in s and v not in s["enum"]):
        return False
    if isinstance(v, dict):
        props = s.get("properties", {})
        if any(r not in v for r in s.get("required", [])):
            return False
        extra = s.get("additionalProperties", True)
        composed = any(k in s for k in ("allOf", "oneOf", "anyOf"))
        for k, x in v.items():
            if k in props:
                if not valid(x, props[k], depth + 1):
                    return False
            elif extra is False and not composed:
                return False
            elif isinstance(extra, dict) and not valid(x, extra, depth + 1):
                return False
    if isinstance(v, list) and "items" in s:
        return all(valid(x, s["items"], depth + 1) for x in v)
    return True

BAD = object()
def prune(v, s, depth=0):
    """v with the parts that break schema s deleted (invalid optional properties,
    disallowed extra properties, invalid array items and map entries), or BAD."""
    if valid(v, s, depth):
        return v
    s = resolve(s)
    if not isinstance(s, dict) or depth > 100 or any(k in s for k in ("allOf", "oneOf", "anyOf")):
        return BAD
    if isinstance(v, dict) and s.get("type", "object") == "object":
        props, required = s.get("properties", {}), set(s.get("required", []))
        extra = s.get("additionalProperties", True)
        out = {}
        for k, x in v.items():
            sub = props.get(k, extra if isinstance(extra, dict) else None)
            if sub is None:
                if extra is not False:
                    out[k] = x
                continue
            y = prune(x, sub, depth + 1)
            if y is BAD:
                if k in required:
                    return BAD
                continue
            out[k] = y
        return out if valid(out, s, depth) else BAD
    if isinstance(v, list) and "items" in s:
        out = [y for y in (prune(x, s["items"], depth + 1) for x in v) if y is not BAD]
        return out if valid(out, s, depth) else BAD
    return BAD

decoded = trimmed = dropped = 0
def fix_content(content):
    global decoded, trimmed, dropped
    for media in (content or {}).values():
        if not isinstance(media, dict) or "example" not in media:
            continue
        ex = media["example"]
        if isinstance(ex, str) and ex.lstrip()[:1] in ("{", "["):
            try:
                media["example"] = ex = json.loads(ex)
                decoded += 1
            except ValueError:
                pass
        if "schema" in media and not valid(ex, media["schema"]):
            ex = prune(ex, media["schema"])
            if ex is BAD:
                del media["example"]
                dropped += 1
            else:
                media["example"] = ex
                trimmed += 1

for item in spec.get("paths", {}).values():
    for op in item.values():
        if isinstance(op, dict):
            for resp in (op.get("responses") or {}).values():
                fix_content(resp.get("content"))
for resp in spec.get("components", {}).get("responses", {}).values():
    fix_content(resp.get("content"))
json.dump(spec, open(dst, "w", encoding="utf-8"), ensure_ascii=False)
print(f"jira-spec.sh: response examples: {decoded} decoded from JSON strings; "
      f"not matching their schema: {trimmed} trimmed, {dropped} dropped", file=sys.stderr)
PY
    mv -f "$TMP/out.json" "$OUT"
fi

echo "$want"
