#!/usr/bin/env bash
# Vim + ALE e2e: editors/vim/cml-lsp.vim must start cml-lsp for a broken workflow (and not
# for a plain YAML file) and ALE must show the `yaml-syntax` diagnostic at the right line.
#   tests/editors/vim/run.sh path/to/cml-lsp
# Env: E2E_EXPECT_LINE (1-based, default: the fixture's broken line), ALE_DIR.
# Prints one JSON object on stdout; exits 1 on failure.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
ALE_DIR=${ALE_DIR:-/usr/share/vim-ale}
fail() {
  python3 -c 'import json,sys; print(json.dumps({"ok": False, "error": sys.argv[1]}))' "$1"
  exit 1
}
[ $# -ge 1 ] || fail "usage: run.sh path/to/cml-lsp"
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$BIN" ] || fail "not an executable: $1"
command -v vim >/dev/null && [ -d "$ALE_DIR/autoload/ale" ] || fail "vim/ALE missing: run tests/editors/vim/install.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/cml-lsp-vim-e2e.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/ws/.github/workflows" "$W/ws/.git"
# Line 5 leaves a flow sequence open: not valid YAML.
cat > "$W/ws/.github/workflows/broken.yml" <<'YAML'
name: broken workflow
on: push
jobs:
  train:
    runs-on: [ubuntu-latest
    steps:
      - run: echo hi
YAML
printf 'a: 1\n' > "$W/ws/config.yaml"

set +e
HOME=$W CML_LSP_VIM=$ROOT/editors/vim/cml-lsp.vim ALE_DIR=$ALE_DIR E2E_SERVER=$BIN \
  E2E_FILE=$W/ws/.github/workflows/broken.yml E2E_OTHER_FILE=$W/ws/config.yaml \
  E2E_EXPECT_LINE=${E2E_EXPECT_LINE:-5} \
  timeout 60 vim -Nu NONE -i NONE -es -S "$HERE/ale-test.vim" > "$W/stdout" 2> "$W/stderr"
rc=$?
set -e
if [ $rc -ne 0 ]; then
  sed 's/^/[vim] /' "$W/stderr" | tail -20 >&2
  [ -s "$W/stdout" ] || fail "vim exited with $rc and no result (timeout?)"
fi
cat "$W/stdout"
exit $rc
