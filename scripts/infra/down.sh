#!/usr/bin/env bash
# Stop the local test servers that up.sh started from this checkout: by pid file, gracefully,
# then killed if they do not stop in time. Idempotent. Servers started elsewhere (another
# checkout using the same ports) are left alone.
#
# Usage: scripts/infra/down.sh [--purge] [postgres|kafka|mongo ...]    (default: all three)
#   --purge  also delete their data and logs (PostgreSQL cluster, Kafka storage); the downloaded
#            jars stay, so the next up.sh is still quick.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

purge=0
names=()
for arg in "$@"; do
  case $arg in
    --purge) purge=1 ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) names+=("$arg") ;;
  esac
done
tp_select_servers "${names[@]}"

# SIGNAL, wait up to GRACE seconds, then SIGKILL.
stop_pid() { # name pid signal grace
  local i
  kill -s "$3" "$2" 2>/dev/null || return 0
  for ((i = 0; i < $4 * 10; i++)); do
    kill -0 "$2" 2>/dev/null || return 0
    sleep 0.1
  done
  say "$1: still running after $4 s, killing pid $2"
  kill -s KILL "$2" 2>/dev/null || true
}

# Nothing of ours runs. Say so, and whether a server from elsewhere holds the port (left alone).
not_running() {
  local port
  port=$(tp_port "$1")
  if answers "$1" "$port"; then
    say "$1: not started from $TP_INFRA_DIR; port $port is served by $(port_holder "$port"), left running"
  else
    say "$1: not running"
  fi
}

stop_postgres() {
  local pid root bindir
  root=$(pg_root)
  if pid=$(own_pid postgres); then
    say "postgres: stopping pid $pid ..."
    bindir=$(pg_bindir || true)
    # pg_ctl's "fast" mode: roll back open transactions, disconnect clients, shut down cleanly.
    # Without pg_ctl, SIGINT is the same request.
    if [[ -z $bindir ]] || ! as_pg "$bindir/pg_ctl" stop -D "$root/data" -m fast -w -t 30 >/dev/null 2>&1; then
      stop_pid postgres "$pid" INT 30
    fi
    say "postgres: stopped"
  else
    not_running postgres
  fi
  if ((purge)) && [[ -d $root ]]; then
    [[ $root == / || -z $root ]] && die "refusing to delete '$root'"
    rm -rf "$root"
    say "postgres: deleted $root"
  fi
  if ((purge)); then rm -f "$TP_RUN_DIR/postgres.dir" "$TP_LOG_DIR/postgres.log"; fi
}

# Kafka and the Mongo launcher stop cleanly on SIGTERM (JVM shutdown hooks: Kafka's controlled
# shutdown takes a few seconds).
stop_java() { # name
  local pid
  if pid=$(own_pid "$1"); then
    say "$1: stopping pid $pid ..."
    stop_pid "$1" "$pid" TERM 30
    say "$1: stopped"
  else
    not_running "$1"
  fi
  rm -f "$(pidfile "$1")" "$TP_RUN_DIR/$1.port"
  if ((purge)); then
    rm -f "$TP_LOG_DIR/$1.log" "$TP_LOG_DIR/$1.log.1"
    if [[ $1 == kafka ]]; then
      rm -rf "$TP_KAFKA_DIR/data" "$TP_KAFKA_DIR/format.stamp" "$TP_LOG_DIR/kafka-format.log"
      say "kafka: deleted $TP_KAFKA_DIR/data"
    fi
  fi
}

for s in "${TP_SELECTED[@]}"; do
  case $s in
    postgres) stop_postgres ;;
    *) stop_java "$s" ;;
  esac
done
