#!/usr/bin/env bash
# package.json settings <-> server settings check (see settings_sync.js).
#   tests/editors/vscode/settings_sync.sh [keys.json]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec node "$HERE/settings_sync.js" "$@"
