#!/usr/bin/env bash
# Print, as `export` lines, the connection settings the app and the tests read for the servers
# of scripts/infra/up.sh:
#   eval "$(scripts/infra/env.sh)"
# Honours TOUCHPOINT_PG_PORT, TOUCHPOINT_KAFKA_PORT and TOUCHPOINT_MONGO_PORT like the other scripts.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

printf 'export %s=%q\n' \
  TOUCHPOINT_TEST_PG_URL "postgres://postgres@127.0.0.1:$TP_PG_PORT/$TP_PG_DB" \
  TOUCHPOINT_TEST_KAFKA_BROKERS "127.0.0.1:$TP_KAFKA_PORT" \
  TOUCHPOINT_TEST_MONGO_URL "mongodb://127.0.0.1:$TP_MONGO_PORT"
