#!/usr/bin/env bash
# One line per local test server: name, up/starting/down, port, pid.
# Usage: scripts/infra/status.sh [postgres|kafka|mongo ...]    (default: all three)
# Exit status: 0 when all the servers asked about are up, 3 otherwise (handy in scripts).
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

tp_select_servers "$@"
rc=0
for s in "${TP_SELECTED[@]}"; do
  status_line "$s" || rc=3
done
exit "$rc"
