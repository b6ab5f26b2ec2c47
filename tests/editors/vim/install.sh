#!/usr/bin/env bash
# Installs Vim with Debian's ALE package; safe to run again.
set -euo pipefail
missing=()
for p in vim-nox vim-ale; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
run() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
run apt-get -o DPkg::Lock::Timeout=300 update -qq
run env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >&2
