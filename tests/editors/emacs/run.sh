#!/usr/bin/env bash
# Emacs e2e: editors/emacs/cml-lsp.el must open a broken workflow in its YAML mode,
# start cml-lsp through eglot (and lsp-mode when installed) and show the server's
# `yaml-syntax` diagnostic at the right line.
#   tests/editors/emacs/run.sh path/to/cml-lsp
# Env: E2E_EXPECT_LINE (1-based line of the diagnostic, default: the fixture's broken line).
# Prints one JSON object on stdout; exits 1 on failure.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
fail() {
  python3 -c 'import json,sys; print(json.dumps({"ok": False, "error": sys.argv[1]}))' "$1"
  exit 1
}
[ $# -ge 1 ] || fail "usage: run.sh path/to/cml-lsp"
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$BIN" ] || fail "not an executable: $1"
command -v emacs >/dev/null || fail "emacs missing: run tests/editors/emacs/install.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/cml-lsp-emacs-e2e.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/ws/.github/workflows"
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

# Runs one batch test file; its JSON goes to $W/<name>.json.
run_test() {
  local name=$1 rc
  set +e
  HOME=$W E2E_ROOT=$W/ws E2E_FILE=$W/ws/.github/workflows/broken.yml E2E_OTHER_FILE=$W/ws/config.yaml \
    E2E_SERVER=$BIN E2E_EXPECT_LINE=${E2E_EXPECT_LINE:-5} CML_LSP_EL=$ROOT/editors/emacs/cml-lsp.el \
    timeout 60 emacs -Q --batch -l "$HERE/$name.el" > "$W/$name.json" 2> "$W/$name.err"
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    sed "s/^/[emacs $name] /" "$W/$name.err" | tail -20 >&2
    [ -s "$W/$name.json" ] || printf '{"ok": false, "error": "emacs exited with %s and no result (timeout?)"}\n' $rc > "$W/$name.json"
  fi
  return $rc
}
rc=0
run_test eglot-test || rc=1
# lsp-mode is optional (elpa-lsp-mode); the eglot test is the gate.
if [ -d /usr/share/emacs/site-lisp/elpa ] && ls -d /usr/share/emacs/site-lisp/elpa/lsp-mode-* >/dev/null 2>&1; then
  run_test lsp-mode-test || rc=1
else
  printf '{"ok": true, "skipped": "elpa-lsp-mode not installed"}\n' > "$W/lsp-mode-test.json"
fi
python3 - "$W/eglot-test.json" "$W/lsp-mode-test.json" <<'PY'
import json, sys
eglot, lsp = (json.load(open(p)) for p in sys.argv[1:])
print(json.dumps({"ok": bool(eglot.get("ok")) and bool(lsp.get("ok")), "eglot": eglot, "lsp_mode": lsp}))
PY
exit $rc
