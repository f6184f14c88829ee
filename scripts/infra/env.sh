#!/usr/bin/env bash
# Print, as `export` lines, the connection settings for the servers of scripts/infra/up.sh:
#   eval "$(scripts/infra/env.sh)"        the tests' variables (TOUCHPOINT_TEST_*)
#   eval "$(scripts/infra/env.sh --app)"  the app's own: PostgreSQL events, MongoDB read models, Kafka for the relay
# Honours TOUCHPOINT_PG_PORT, TOUCHPOINT_KAFKA_PORT and TOUCHPOINT_MONGO_PORT like the other scripts.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ "${1:-}" == "--app" ]]; then
  # What the app itself reads (apps/api, the projector, the relay): the production topology on these servers.
  printf 'export %s=%q\n' \
    TOUCHPOINT_EVENT_STORE postgres \
    TOUCHPOINT_POSTGRES_URL "postgres://postgres@127.0.0.1:$TP_PG_PORT/$TP_PG_APP_DB" \
    TOUCHPOINT_READ_STORE mongodb \
    TOUCHPOINT_MONGO_URL "mongodb://127.0.0.1:$TP_MONGO_PORT" \
    KAFKA_BROKERS "127.0.0.1:$TP_KAFKA_PORT"
  exit 0
fi
printf 'export %s=%q\n' \
  TOUCHPOINT_TEST_PG_URL "postgres://postgres@127.0.0.1:$TP_PG_PORT/$TP_PG_DB" \
  TOUCHPOINT_TEST_KAFKA_BROKERS "127.0.0.1:$TP_KAFKA_PORT" \
  TOUCHPOINT_TEST_MONGO_URL "mongodb://127.0.0.1:$TP_MONGO_PORT"
