#!/usr/bin/env bash
# Helix has no package on Debian 12, so this checks the configuration only:
# editors/helix/languages.toml parses and wires cml-lsp next to each file kind's server.
#   tests/editors/helix/run.sh [path/to/cml-lsp]   (the binary is not needed)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=python3
# tomllib needs Python 3.11+.
$PY -c 'import tomllib' 2>/dev/null || PY=/usr/bin/python3
exec "$PY" "$HERE/check_languages.py"
