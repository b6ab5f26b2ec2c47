#!/usr/bin/env bash
# VS Code e2e: our packaged extension in code-server, driven by chromium + playwright-core.
#   tests/editors/vscode/run.sh path/to/cml-lsp
# Needs install.sh to have run. Checks: (1) a broken workflow's `yaml-syntax` diagnostic in
# the Problems panel, (2) region completion after --cloud-region= in a `run: |` block,
# (3) CML: Run Experiment… on an unsaved params.yaml edit: review/branch/title/description/
# target steps, the branch pushed to a local bare remote with the buffer's text, the PR
# opened on a forge stand-in (POST /repos/acme/demo/pulls) and its link in a notification,
# and the code lens opening the same flow, (4) CML: Generate CML Workflow… writing
# .github/workflows/cml.yml, (5) a wrong server path in the settings giving an error that
# names the setting. Every step runs by default.
# Env:
#   E2E_SKIP       local debugging only: comma-separated steps to skip (completion,
#                  runExperiment, generateWorkflow)
#   E2E_CACHE      install cache (default ~/.cache/cml-lsp-e2e)
#   E2E_ARTIFACTS  screenshots (default test-artifacts/vscode/ in the repository)
#   VSIX           use this .vsix instead of building one
#   E2E_TIMEOUT    seconds for the browser part (default 240)
# Prints one JSON object on stdout; exits 1 on failure (see failure.png in the artifacts).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
CACHE=${E2E_CACHE:-$HOME/.cache/cml-lsp-e2e}
CS=$CACHE/code-server-4.99.4/node_modules/.bin/code-server
PW_MODULES=$CACHE/playwright-core-1.65.2/node_modules
ARTIFACTS=${E2E_ARTIFACTS:-$ROOT/test-artifacts/vscode}

fail() {
  python3 -c 'import json,sys; print(json.dumps({"ok": False, "error": sys.argv[1]}))' "$1"
  exit 1
}
log() { printf '[vscode-e2e] %s\n' "$*" >&2; }

[ $# -ge 1 ] || fail "usage: run.sh path/to/cml-lsp"
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$BIN" ] || fail "not an executable: $1"
[ -x "$CS" ] && [ -d "$PW_MODULES/playwright-core" ] || fail "code-server/playwright-core missing under $CACHE: run tests/editors/vscode/install.sh"
command -v chromium >/dev/null || fail "chromium missing: run tests/editors/vscode/install.sh"

T0=$(date +%s.%N)
W=$(mktemp -d "${TMPDIR:-/tmp}/cml-lsp-vscode-e2e.XXXXXX")
CS_PGID=
FORGE_PGID=
cleanup() {
  for g in "$CS_PGID" "$FORGE_PGID"; do
    [ -n "$g" ] && kill -TERM -- "-$g" 2>/dev/null || true
  done
  sleep 0.5
  for g in "$CS_PGID" "$FORGE_PGID"; do
    [ -n "$g" ] && kill -KILL -- "-$g" 2>/dev/null || true
  done
  rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.png

# --- the extension ------------------------------------------------------------------------
if [ -z "${VSIX:-}" ]; then
  VSIX=$(VSIX_OUT="$W/cml-lsp.vsix" "$HERE/build.sh") || fail "building the extension failed"
fi

# --- forge stand-in ------------------------------------------------------------------------
setsid node "$HERE/fake_forge.js" "$W/forge.port" "$W/forge.log" > "$W/forge.out" 2>&1 &
FORGE_PGID=$!
for _ in $(seq 1 50); do [ -s "$W/forge.port" ] && break; sleep 0.1; done
[ -s "$W/forge.port" ] || fail "the forge stand-in did not start"
FORGE_URL=http://127.0.0.1:$(cat "$W/forge.port")

# --- workspace: a git repo whose origin (github.com/acme/demo) is a local bare repo ---------
WS=$W/ws
REMOTE=$W/remotes/acme/demo.git
mkdir -p "$WS/.github/workflows" "$WS/.vscode" "$(dirname "$REMOTE")"
git init -q --bare -b main "$REMOTE"
cp "$HERE/fixtures/broken.yml" "$HERE/fixtures/cml.yaml" "$WS/.github/workflows/"
cp "$HERE/fixtures/params.yaml" "$HERE/fixtures/dvc.yaml" "$WS/"
python3 - "$WS/.vscode/settings.json" "$BIN" "$FORGE_URL" <<'EOF'
import json, sys
path, binary, forge = sys.argv[1:]
json.dump({
    "cml-lsp.server.path": binary,
    "cml-lsp.experiment.apiUrl": forge,
    "cml-lsp.experiment.forge": "github",
    "cml-lsp.experiment.remote": "origin",
    "cml-lsp.trace.server": "messages",
    # code-server deletes GITHUB_TOKEN from its own environment (it is its GitHub auth
    # option), so the token reaches the server through the extension's setting.
    "cml-lsp.server.extraEnv": {"GITHUB_TOKEN": "fake"},
}, open(path, "w"), indent=2)
EOF
(
  cd "$WS"
  git init -q -b main
  git config user.name "E2E Test"
  git config user.email e2e@example.invalid
  git config commit.gpgsign false
  printf '.vscode/\n' > .gitignore
  git add -A
  git commit -q -m "Initial commit"
  # The remote looks like a GitHub one (so the server knows forge and owner/repo); git
  # reaches the local bare repo through insteadOf.
  git remote add origin https://github.com/acme/demo.git
  git config "url.$W/remotes/.insteadOf" https://github.com/
  git push -q origin main
)

# --- code-server -----------------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
D=$W/code-server
mkdir -p "$D/user/User" "$D/xdg-data" "$D/xdg-config"
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" > "$D/config.yaml"
cp "$HERE/code-server-settings.json" "$D/user/User/settings.json"
export XDG_DATA_HOME=$D/xdg-data XDG_CONFIG_HOME=$D/xdg-config
CS_ARGS=(--config "$D/config.yaml" --user-data-dir "$D/user" --extensions-dir "$D/extensions")
timeout 60 "$CS" "${CS_ARGS[@]}" --install-extension "$VSIX" > "$W/install.log" 2>&1 \
  || fail "code-server could not install $VSIX: $(tail -3 "$W/install.log")"

# Own process group: code-server's helpers, extension hosts and the language server go
# down together.
setsid "$CS" "${CS_ARGS[@]}" --bind-addr "127.0.0.1:$PORT" \
  --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override "$WS" > "$W/code-server.log" 2>&1 &
CS_PGID=$!
ready=
for _ in $(seq 1 150); do
  if curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.2
done
[ -n "$ready" ] || fail "code-server did not answer on 127.0.0.1:$PORT within 30 s"
T_READY=$(date +%s.%N)

# --- the browser part ----------------------------------------------------------------------------
set +e
CS_URL="http://127.0.0.1:$PORT" E2E_WORKSPACE="$WS" E2E_REMOTE="$REMOTE" E2E_FORGE_LOG="$W/forge.log" \
  E2E_ARTIFACTS="$ARTIFACTS" NODE_PATH="$PW_MODULES" \
  timeout "${E2E_TIMEOUT:-240}" node "$HERE/e2e.js" > "$W/result.json" 2> "$W/e2e.err"
rc=$?
set -e
T1=$(date +%s.%N)
# The extension's output channels (client log + server stderr, LSP trace) next to the
# screenshots; on failure code-server's own log as well.
rm -f "$ARTIFACTS"/*.log
find "$D/user/logs" -name '*CML Language Server*.log' -exec cp {} "$ARTIFACTS/" \; 2>/dev/null || true
if [ $rc -ne 0 ]; then
  cp "$W/code-server.log" "$ARTIFACTS/code-server.log" 2>/dev/null || true
  cat "$W/e2e.err" >&2
fi
python3 - "$W/result.json" "$rc" "$T0" "$T_READY" "$T1" <<'EOF'
import json, sys
path, rc, t0, tready, t1 = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
try:
    res = json.load(open(path))
except Exception as e:
    res = {"ok": False, "error": "no result from e2e.js (exit %d, timeout?): %s" % (rc, e)}
res["ok"] = bool(res.get("ok")) and rc == 0
res["wall_s"] = {"setup": round(tready - t0, 1), "browser": round(t1 - tready, 1), "total": round(t1 - t0, 1)}
print(json.dumps(res, indent=1))
EOF
exit $rc
