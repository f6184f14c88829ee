#!/usr/bin/env bash
# The outside OpenAPI fuzzer (schemathesis, from PyPI, pinned) against the API built from this tree, on the embedded
# engines in a throwaway data directory, with every check. CI runs it (.ci/run) and fails on any finding.
# Usage: bash scripts/contract/fuzz.sh [extra schemathesis options]; FUZZ_SEED, FUZZ_EXAMPLES, FUZZ_PORT.
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=.cache/schemathesis
VERSION=4.32.5
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$VERSION"
fi

npm run build >/dev/null
DATA=$(mktemp -d)
PORT=${FUZZ_PORT:-3999}
LOG="$DATA/api.log"
TOUCHPOINT_DATA_DIR="$DATA" PORT="$PORT" HOST=127.0.0.1 TOUCHPOINT_RATE_LIMIT_MAX=0 TOUCHPOINT_FEED_MAX_WAIT_MS=0 \
  TOUCHPOINT_CONSISTENCY_WAIT_MS=200 TOUCHPOINT_DEV_MODE=true node dist/apps/api/src/main.js >"$LOG" 2>&1 &
API=$!
trap 'kill $API 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 60); do
  KEY=$(grep -o 'export TP_KEY=tp_[A-Za-z0-9_-]*' "$LOG" | head -1 | cut -d= -f2 || true)
  [ -n "$KEY" ] && curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 1
done
[ -n "${KEY:-}" ] || { echo "the API did not start (see $LOG)"; cat "$LOG"; exit 1; }

# 422 is a rule about the current state refusing a well-formed request (a reused Idempotency-Key, a quota that
# overlaps another): expected for schema-valid data, like 404 and 409.
"$VENV/bin/schemathesis" --config-file scripts/contract/schemathesis.toml run "http://127.0.0.1:$PORT/openapi.json" \
  -H "Authorization: Bearer $KEY" --checks all --max-examples "${FUZZ_EXAMPLES:-20}" --workers 2 --seed "${FUZZ_SEED:-1}" "$@"
