#!/usr/bin/env bash
# Make sure the public test corpora the tests read are beside the repository,
# in ../shared/data (the tests read that path): Zeek's test traces and
# baselines (BSD), a selection of suricata-verify cases (MIT) and nDPI's
# capture corpus (LGPL-3.0). They are not shipped in the repository; when
# missing they are downloaded from GitHub at the commits below, and every file
# is checked against scripts/test/data.sha256.
#
#   scripts/test-data.sh            # fetch what is missing, verify everything
#
# WIREWATCH_TEST_DATA_URL overrides where the archives come from (a template
# with {repo} and {commit}; default GitHub's codeload), e.g. a local mirror.
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
# The tests read ../shared beside the repository; no other place would do.
shared="$repo_root/../shared"
data="$shared/data"
manifest="$repo_root/scripts/test/data.sha256"
url_template="${WIREWATCH_TEST_DATA_URL:-}"
[ -n "$url_template" ] || url_template='https://codeload.github.com/{repo}/tar.gz/{commit}'


# The commits the corpora were taken at (their COMMIT files).
ZEEK_COMMIT=a13de64fbbdb01f90961c04719b308fbbb6d199e
SV_COMMIT=10a45e4bad6d29d0f1239d93119ea24e1bbdab19
NDPI_COMMIT=3b1286ab03b0c9223ac208a01868d8c1f6c0ae00

# The files of one corpus (`zeek/`, …) listed in the manifest that are missing
# or differ; prints nothing when the corpus is complete.
stale() {
  local corpus="$1"
  (cd "$data" 2>/dev/null && grep -v '^#' "$manifest" | grep "  $corpus/" | sha256sum --quiet -c - 2>/dev/null) >/dev/null ||
    echo "$corpus"
}

# fetch CORPUS REPO COMMIT LOCAL=UPSTREAM… — download the archive and copy
# exactly the corpus's files listed in the manifest, each from its upstream
# path: the first LOCAL prefix that matches is replaced by its UPSTREAM one.
fetch() {
  local corpus="$1" gh="$2" commit="$3"
  shift 3
  local r='{repo}' c='{commit}'
  local url="${url_template//"$r"/$gh}"
  url="${url//"$c"/$commit}"
  local tmp
  tmp="$(mktemp -d)"
  echo "test data: fetching $corpus from $url"
  curl -fsSL --retry 3 "$url" | tar -xz -C "$tmp"
  local top
  top="$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)"
  local sum path rel from pair pre
  while read -r sum path; do
    rel="${path#"$corpus"/}"
    from=""
    for pair in "$@"; do
      pre="${pair%%=*}"
      if [ -z "$pre" ] || [ "${rel#"$pre"}" != "$rel" ]; then
        from="${pair#*=}${rel#"$pre"}"
        break
      fi
    done
    [ -n "$from" ] || from="$rel"
    # A licence file may be named without its `.txt` upstream.
    [ -f "$top/$from" ] || from="${from%.txt}"
    if [ ! -f "$top/$from" ]; then
      echo "test data: $gh@$commit has no $from (for $path)" >&2
      exit 1
    fi
    mkdir -p "$(dirname "$data/$path")"
    cp "$top/$from" "$data/$path"
  done < <(grep -v '^#' "$manifest" | grep "  $corpus/")
  echo "$commit" >"$data/$corpus/COMMIT"
  rm -rf "$tmp"
}

mkdir -p "$data"
for _ in $(stale zeek); do
  fetch zeek zeek/zeek "$ZEEK_COMMIT" traces/=testing/btest/Traces/ baselines/=testing/btest/Baseline/
done
for _ in $(stale suricata-verify); do
  fetch suricata-verify OISF/suricata-verify "$SV_COMMIT" LICENSE.txt=LICENSE.txt ""=tests/
done
for _ in $(stale ndpi); do
  fetch ndpi ntop/nDPI "$NDPI_COMMIT" pcaps/=tests/cfgs/default/pcap/
done
# Every file the tests read, as recorded.
(cd "$data" && grep -v '^#' "$manifest" | sha256sum --quiet -c -) || {
  echo "test data: files in $data differ from scripts/test/data.sha256" >&2
  exit 1
}
echo "test data: $(grep -vc '^#' "$manifest") files present in $data"
