#!/usr/bin/env bash
# Neovim end-to-end test of cml-lsp. Builds nothing: pass the binary.
#   tests/editors/nvim/run.sh target/debug/cml-lsp [scenario,...]
# Prints one JSON object; exits 0 when every scenario passed, 1 otherwise.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo '{"ok":false,"error":"usage: run.sh BINARY [SCENARIO,...]"}'
  exit 1
fi
bin=$(readlink -f "$1")
if [ ! -x "$bin" ]; then
  echo "{\"ok\":false,\"error\":\"not an executable: $1\"}"
  exit 1
fi
if ! command -v nvim >/dev/null; then
  echo '{"ok":false,"error":"nvim not found"}'
  exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/ws" "$tmp/home"

status=0
# Hermetic: no user config, no swap, no shada; Neovim's own files go under $tmp.
HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/config" XDG_DATA_HOME="$tmp/home/data" \
XDG_CACHE_HOME="$tmp/home/cache" XDG_STATE_HOME="$tmp/home/state" \
E2E_ROOT="$tmp/ws" E2E_LS_CMD="[\"$bin\"]" E2E_ONLY="${2:-}" \
  timeout 120 nvim --headless --clean -n -i NONE -c "luafile $here/e2e.lua" >"$tmp/out.json" 2>"$tmp/err.txt" || status=$?

if [ -s "$tmp/out.json" ]; then
  cat "$tmp/out.json"
elif [ "$status" -eq 124 ]; then
  echo '{"ok":false,"error":"timed out after 120 s"}'
else
  echo "{\"ok\":false,\"error\":\"nvim exited with $status and no result\"}"
fi
if [ "$status" -ne 0 ]; then
  echo "--- nvim stderr:" >&2
  tail -n 20 "$tmp/err.txt" >&2 || true
  echo "--- lsp.log:" >&2
  tail -n 20 "$tmp/home/cache/nvim/lsp.log" >&2 2>/dev/null || true
  exit 1
fi
