#!/usr/bin/env bash
# Installs what the VS Code e2e needs; safe to run again (finished steps are skipped).
#   - apt: chromium (the browser playwright drives), libkrb5-dev (code-server's kerberos
#     module builds from source), ripgrep (stands in for @vscode/ripgrep's GitHub download)
#   - npm: code-server and playwright-core, under $E2E_CACHE (default ~/.cache/cml-lsp-e2e)
# Prints where things are; exits non-zero when a step fails.
set -euo pipefail

CODE_SERVER_VERSION=4.99.4
PLAYWRIGHT_VERSION=1.65.2
CACHE=${E2E_CACHE:-$HOME/.cache/cml-lsp-e2e}
CS_DIR=$CACHE/code-server-$CODE_SERVER_VERSION
PW_DIR=$CACHE/playwright-core-$PLAYWRIGHT_VERSION

log() { printf '[vscode-install] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# --- apt packages ---------------------------------------------------------------------
missing=()
for p in chromium libkrb5-dev ripgrep; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  as_root apt-get -o DPkg::Lock::Timeout=300 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >&2
fi

mkdir -p "$CACHE"

# --- code-server ----------------------------------------------------------------------
if [ ! -f "$CS_DIR/.installed" ]; then
  log "npm install code-server@$CODE_SERVER_VERSION into $CS_DIR (takes 1-2 minutes)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # @vscode/ripgrep's postinstall fetches rg from GitHub unless its download cache in
  # os.tmpdir() already holds the archive; seed that cache with the distribution's rg.
  case "$(uname -m)" in
    x86_64) rg_target=x86_64-unknown-linux-musl ;;
    aarch64) rg_target=aarch64-unknown-linux-gnu ;;
    *) log "unsupported architecture $(uname -m)"; exit 1 ;;
  esac
  rg_cache=$tmp/vscode-ripgrep-cache-1.15.11
  mkdir -p "$rg_cache"
  tar -C "$(dirname "$(command -v rg)")" -czf "$rg_cache/ripgrep-v13.0.0-10-$rg_target.tar.gz" rg
  (
    cd "$CS_DIR"
    printf '{"name":"cml-lsp-e2e-code-server","private":true}\n' > package.json
    # unsafe_perm: code-server's postinstall refuses root without it.
    # yes: node-pty's install runs `npx node-gyp`, which must not prompt.
    TMPDIR=$tmp npm_config_unsafe_perm=true npm_config_yes=true \
      npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" >&2
  )
  "$CS_DIR/node_modules/.bin/code-server" --version >/dev/null
  touch "$CS_DIR/.installed"
fi

# --- playwright-core (no browser download: Debian's chromium is used) --------------------
if [ ! -f "$PW_DIR/.installed" ]; then
  log "npm install playwright-core@$PLAYWRIGHT_VERSION into $PW_DIR"
  rm -rf "$PW_DIR"
  mkdir -p "$PW_DIR"
  (
    cd "$PW_DIR"
    printf '{"name":"cml-lsp-e2e-playwright","private":true}\n' > package.json
    npm install --no-audit --no-fund "playwright-core@$PLAYWRIGHT_VERSION" >&2
  )
  touch "$PW_DIR/.installed"
fi

log "code-server: $CS_DIR/node_modules/.bin/code-server"
log "playwright-core: $PW_DIR/node_modules"
log "chromium: $(command -v chromium)"
