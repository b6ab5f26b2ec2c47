#!/usr/bin/env bash
# Builds and packages the VS Code extension (editors/code) as a .vsix.
#   tests/editors/vscode/build.sh [path/to/cml-lsp]
# With a binary argument, the binary is bundled as server/cml-lsp inside the package.
# Env: VSIX_OUT (default: <repo>/target/vscode/cml-lsp.vsix). Prints the .vsix path.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
EXT=$ROOT/editors/code
OUT=${VSIX_OUT:-$ROOT/target/vscode/cml-lsp.vsix}
BIN=${1:-}

log() { printf '[vscode-build] %s\n' "$*" >&2; }

cd "$EXT"
# Reinstall when node_modules is missing or older than package-lock.json.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund >&2
fi
# vsce runs the `vscode:prepublish` script (tsc) before packaging.

rm -rf server
if [ -n "$BIN" ]; then
  [ -x "$BIN" ] || { log "not an executable: $BIN"; exit 1; }
  mkdir -p server
  cp "$BIN" server/cml-lsp
  chmod 755 server/cml-lsp
  log "bundling $BIN as server/cml-lsp"
fi
mkdir -p "$(dirname "$OUT")"
log "vsce package -> $OUT"
npx --no-install vsce package --allow-missing-repository -o "$OUT" >&2
rm -rf server
echo "$OUT"
