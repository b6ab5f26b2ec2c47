#!/usr/bin/env bash
# Neovim end-to-end test of cml-lsp and of the plugin in editors/nvim. Builds nothing:
#   tests/editors/nvim/run.sh target/debug/cml-lsp [scenario,...]
#   E2E_SKIP=scenario,... tests/editors/nvim/run.sh target/debug/cml-lsp
# Runs each scenario in its own headless Neovim (--clean, editors/nvim on 'runtimepath')
# with a time limit, prints one JSON line per scenario, and exits 1 when any failed.
# Hermetic: HOME, XDG dirs and git config point into a temp dir that is removed at exit,
# and the forge stand-in (python3, 127.0.0.1 only) is stopped by its PID.
set -euo pipefail

SCENARIO_TIMEOUT=${E2E_SCENARIO_TIMEOUT:-60}

if [ $# -lt 1 ]; then
  echo '{"ok":false,"error":"usage: run.sh BINARY [SCENARIO,...]"}'
  exit 1
fi
bin=$(readlink -f "$1")
if [ ! -x "$bin" ]; then
  echo "{\"ok\":false,\"error\":\"not an executable: $1\"}"
  exit 1
fi
for tool in nvim git python3 timeout; do
  if ! command -v "$tool" >/dev/null; then
    echo "{\"ok\":false,\"error\":\"$tool not found\"}"
    exit 1
  fi
done
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
forge_pid=
cleanup() {
  if [ -n "$forge_pid" ]; then
    kill "$forge_pid" 2>/dev/null || true
    wait "$forge_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/home"

# Isolated git: no system or user config but ours, no prompts, fixed identity. The file is
# $HOME/.gitconfig because the server's libgit2 ignores GIT_CONFIG_GLOBAL (it reads HOME).
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/config" XDG_DATA_HOME="$tmp/home/data" \
  XDG_CACHE_HOME="$tmp/home/cache" XDG_STATE_HOME="$tmp/home/state"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$tmp/home/.gitconfig" GIT_TERMINAL_PROMPT=0
git config --file "$GIT_CONFIG_GLOBAL" user.name "cml-lsp e2e"
git config --file "$GIT_CONFIG_GLOBAL" user.email "e2e@example.invalid"
git config --file "$GIT_CONFIG_GLOBAL" init.defaultBranch main
git config --file "$GIT_CONFIG_GLOBAL" commit.gpgsign false
unset GH_TOKEN GITHUB_API_URL GITLAB_TOKEN CI_API_V4_URL BITBUCKET_TOKEN GIT_DIR GIT_WORK_TREE || true
export GITHUB_TOKEN=fake

nvim_run() { # name... -> runs e2e.lua with E2E_ONLY set by the caller's env
  timeout -k 5 "$SCENARIO_TIMEOUT" nvim --headless --clean -n -i NONE \
    -c "set rtp+=$repo/editors/nvim" -c "luafile $here/e2e.lua" "$@"
}

if [ -n "${2:-}" ]; then
  IFS=',' read -r -a names <<<"$2"
else
  mapfile -t names < <(E2E_LIST=1 E2E_ROOT="$tmp" E2E_LS_CMD='[]' nvim_run 2>/dev/null)
fi
# E2E_SKIP=a,b leaves scenarios out (e.g. one whose server side has not landed yet).
if [ -n "${E2E_SKIP:-}" ]; then
  keep=()
  for n in "${names[@]}"; do
    case ",$E2E_SKIP," in *",$n,"*) ;; *) keep+=("$n") ;; esac
  done
  names=("${keep[@]}")
fi
if [ ${#names[@]} -eq 0 ]; then
  echo '{"ok":false,"error":"no scenarios found"}'
  exit 1
fi

# The forge stand-in (only the run-experiment scenario talks to it).
python3 "$here/fake_forge.py" "$tmp/forge.port" "$tmp/forge.log" 2>"$tmp/forge.err" &
forge_pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/forge.port" ] && break
  sleep 0.05
done
if [ ! -s "$tmp/forge.port" ]; then
  echo '{"ok":false,"error":"the forge stand-in did not start"}'
  cat "$tmp/forge.err" >&2
  exit 1
fi
export E2E_FORGE_URL="http://127.0.0.1:$(cat "$tmp/forge.port")" E2E_FORGE_LOG="$tmp/forge.log"

failed=0
start=$(date +%s.%N)
for name in "${names[@]}"; do
  ws="$tmp/ws/$name"
  mkdir -p "$ws.cache"
  status=0
  # Each scenario gets its own cache dir, hence its own lsp.log.
  XDG_CACHE_HOME="$ws.cache" E2E_ROOT="$tmp/ws" E2E_LS_CMD="[\"$bin\"]" E2E_ONLY="$name" \
    nvim_run >"$ws.out" 2>"$ws.err" || status=$?
  if [ -s "$ws.out" ]; then
    cat "$ws.out"
  elif [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "{\"name\":\"$name\",\"ok\":false,\"error\":\"timed out after $SCENARIO_TIMEOUT s\"}"
  else
    echo "{\"name\":\"$name\",\"ok\":false,\"error\":\"nvim exited with $status and no result\"}"
  fi
  if [ "$status" -ne 0 ]; then
    failed=$((failed + 1))
    {
      echo "--- $name: nvim stderr:"
      tail -n 20 "$ws.err" || true
      echo "--- $name: lsp.log:"
      tail -n 20 "$ws.cache/nvim/lsp.log" 2>/dev/null || true
    } >&2
  fi
done
end=$(date +%s.%N)
printf '# %d scenario(s), %d failed, %.1f s\n' "${#names[@]}" "$failed" "$(echo "$end - $start" | bc 2>/dev/null || echo 0)" >&2
[ "$failed" -eq 0 ]
