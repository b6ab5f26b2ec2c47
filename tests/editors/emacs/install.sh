#!/usr/bin/env bash
# Installs Emacs (no X) with Debian's eglot and yaml-mode packages; safe to run again.
# WITH_LSP_MODE=1 adds elpa-lsp-mode (about a minute more, mostly byte-compiling), which
# run.sh then tests too.
set -euo pipefail
pkgs=(emacs-nox elpa-eglot elpa-yaml-mode)
[ "${WITH_LSP_MODE:-0}" = 1 ] && pkgs+=(elpa-lsp-mode)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
run() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
run apt-get -o DPkg::Lock::Timeout=300 update -qq
run env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >&2
