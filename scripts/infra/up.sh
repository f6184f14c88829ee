#!/usr/bin/env bash
# Start the local test servers on loopback, without Docker (see docs/infra.md):
#   postgres  PostgreSQL 15 (Debian's server binaries)    127.0.0.1:54329, database "touchpoint"
#   kafka     Apache Kafka 4.4.0, one KRaft node          127.0.0.1:19092 (controller 19093)
#   mongo     mongo-java-server, MongoDB wire protocol    127.0.0.1:27018, in memory
#
# Usage: scripts/infra/up.sh [postgres|kafka|mongo ...]    (default: all three, in parallel)
# Then:  eval "$(scripts/infra/env.sh)"
#
# Idempotent: a server that is already up is left alone, so a second run takes about a second.
# Ports: TOUCHPOINT_PG_PORT, TOUCHPOINT_KAFKA_PORT, TOUCHPOINT_KAFKA_CONTROLLER_PORT,
# TOUCHPOINT_MONGO_PORT. Files: TOUCHPOINT_INFRA_DIR (default <project>/.infra).
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# ---------------------------------------------------------------- helpers

# Both Java servers log through slf4j-simple (to stderr, i.e. their log file): add timestamps.
TP_SLF4J_TIMES=(-Dorg.slf4j.simpleLogger.showDateTime=true
  -Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd\'T\'HH:mm:ss.SSS)

# Start a server detached in its own session, so it outlives this script, its terminal and
# CI's job control. The pid file is written by the process itself right before it execs the
# server, so it holds the server's real pid. Output is appended to LOG.
launch() { # name workdir log command...
  local name=$1 workdir=$2 log=$3 pf
  shift 3
  pf=$(pidfile "$name")
  rm -f "$pf"
  setsid bash -c 'echo $$ >"$1" && cd "$2" && shift 2 && exec "$@"' _ "$pf" "$workdir" "$@" \
    >>"$log" 2>&1 </dev/null &
  for _ in {1..50}; do
    [[ -s $pf ]] && return 0
    sleep 0.1
  done
  die "$name: could not launch: $*"
}

# Keep the previous run's log as LOG.1, so the readiness checks only see this run's lines.
rotate_log() {
  if [[ -f $1 ]]; then mv -f "$1" "$1.1"; fi
  : >"$1"
}

# Fail with the end of the server's log; stop the process if we started it in this run (and
# wait until it is gone, so the next up.sh starts from a clean state).
fail_start() { # name log pid-to-stop|"" message
  local i
  {
    printf 'error: %s %s. Last lines of %s:\n' "$1" "$4" "$2"
    tail -n 25 "$2" 2>/dev/null | sed 's/^/    /'
  } >&2
  if [[ -n $3 ]] && kill "$3" 2>/dev/null; then
    say "stopping the half-started $1 (pid $3) ..." >&2
    for ((i = 0; i < 150; i++)); do
      kill -0 "$3" 2>/dev/null || break
      sleep 0.1
    done
    kill -s KILL "$3" 2>/dev/null || true
  fi
  exit 1
}

# Poll CHECK... until it succeeds; fail at once if the process dies, or after TP_TIMEOUT seconds.
wait_ready() { # name pid log started-now(yes|no) check...
  local name=$1 pid=$2 log=$3 stop="" deadline=$((SECONDS + TP_TIMEOUT))
  if [[ $4 == yes ]]; then stop=$pid; fi
  shift 4
  until "$@"; do
    kill -0 "$pid" 2>/dev/null || fail_start "$name" "$log" "" "exited while starting"
    if ((SECONDS >= deadline)); then
      fail_start "$name" "$log" "$stop" "did not answer within ${TP_TIMEOUT}s"
    fi
    sleep 0.25
  done
}

# Our server runs: it must be on the port asked for now (a changed port needs a restart).
check_own_port() { # name pid wanted-port
  local port
  port=$(own_port "$1")
  [[ $port == "$3" ]] ||
    die "$1 is running (pid $2) on port $port, not $3: run scripts/infra/down.sh $1 first"
}

# PORT is taken, not by our server. Fine if the same kind of server holds it (one started from
# another checkout, e.g. CI's clone of this repo on the same machine): use it, leave it alone.
# Anything else is a clear error.
use_shared_or_die() { # name port
  local pid
  pid=$(port_pid "$2")
  if [[ -n $pid ]] && pid_is "$pid" "$1"; then
    say "port $2 is already served by another $1 (pid $pid, not started from $TP_INFRA_DIR): using it"
    return 0
  fi
  die "port $2 is in use by $(port_holder "$2"); stop it or pick another port (docs/infra.md)"
}

elapsed() { awk -v now="$EPOCHREALTIME" -v t0="$TP_T0" 'BEGIN { printf "%.1fs", now - t0 }'; }

# ---------------------------------------------------------------- PostgreSQL

ensure_pg_database() {
  local q db
  q=("$(pg_tool psql)" -X -q -t -A -h 127.0.0.1 -p "$TP_PG_PORT" -U postgres -d postgres)
  # The tests' database, and the app's own (env.sh --app), so a local run never shares tables with the tests.
  for db in "$TP_PG_DB" "$TP_PG_APP_DB"; do
    if [[ $(PGCONNECT_TIMEOUT=5 "${q[@]}" -c "select 1 from pg_database where datname = '$db'") != 1 ]]; then
      PGCONNECT_TIMEOUT=5 "${q[@]}" -c "create database $db" >/dev/null ||
        die "could not create database $db on port $TP_PG_PORT (does it trust user postgres from 127.0.0.1?)"
      say "created database $db"
    fi
  done
}

start_postgres() {
  local pid bindir root data log
  if pid=$(own_pid postgres); then
    check_own_port postgres "$pid" "$TP_PG_PORT"
    wait_ready postgres "$pid" "$(pg_root)/postgres.log" no pg_ready
    ensure_pg_database
    say "already up (pid $pid, port $TP_PG_PORT)"
    return 0
  fi
  if port_open "$TP_PG_PORT"; then
    use_shared_or_die postgres "$TP_PG_PORT"
    ensure_pg_database
    return 0
  fi

  bindir=$(pg_bindir || true)
  if [[ -z $bindir ]]; then
    # Debian's package also creates (and may start) its own cluster on 5432; we do not use it.
    with_install_lock apt_install postgresql
    bindir=$(pg_bindir || true)
    [[ -n $bindir ]] || die "no /usr/lib/postgresql/*/bin/initdb even after installing postgresql"
  fi
  if ((EUID == 0)) && ! id postgres >/dev/null 2>&1; then
    die "no 'postgres' OS user to run the server as (Debian's postgresql package creates it)"
  fi

  root=$(pg_root)
  data=$root/data
  log=$root/postgres.log
  mkdir -p "$root"
  if ((EUID == 0)); then chown postgres:postgres "$root"; fi
  chmod 700 "$root"
  echo "$root" >"$TP_RUN_DIR/postgres.dir"
  ln -sfn "$log" "$TP_LOG_DIR/postgres.log"

  if [[ ! -s $data/PG_VERSION ]]; then
    say "creating a cluster in $data ..."
    # trust: local test server, loopback only; initdb's default pg_hba.conf then trusts
    # 127.0.0.1/32 and ::1 for every user. C locale: same sort order everywhere.
    as_pg "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >"$root/initdb.log" 2>&1 ||
      { tail -n 20 "$root/initdb.log" >&2; die "initdb failed (log: $root/initdb.log)"; }
  fi
  if [[ -f $log ]] && (($(stat -c %s "$log") > 10 * 1024 * 1024)); then mv -f "$log" "$log.1"; fi

  say "starting PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$TP_PG_PORT ($data) ..."
  # TCP on loopback only and no Unix socket: nothing to clash with a system cluster's socket,
  # and no limit on the length of the data dir's path. setsid: its own session (see launch).
  as_pg setsid -w "$bindir/pg_ctl" start -D "$data" -l "$log" -w -t "$TP_TIMEOUT" \
    -o "-p $TP_PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" >/dev/null ||
    fail_start postgres "$log" "" "did not start"
  pid=$(own_pid postgres) || fail_start postgres "$log" "" "is not running after pg_ctl start"
  wait_ready postgres "$pid" "$log" yes pg_ready
  ensure_pg_database
  say "up in $(elapsed) (pid $pid, port $TP_PG_PORT)"
}

# ---------------------------------------------------------------- Kafka

kafka_ready() { grep -q 'Kafka Server started' "$TP_LOG_DIR/kafka.log" && port_open "$TP_KAFKA_PORT"; }

start_kafka() {
  local dir=$TP_KAFKA_DIR log=$TP_LOG_DIR/kafka.log fmtlog=$TP_LOG_DIR/kafka-format.log
  local pid id stamp opts
  if pid=$(own_pid kafka); then
    check_own_port kafka "$pid" "$TP_KAFKA_PORT"
    wait_ready kafka "$pid" "$log" no kafka_ready
    say "already up (pid $pid, port $TP_KAFKA_PORT)"
    return 0
  fi
  if port_open "$TP_KAFKA_PORT"; then
    use_shared_or_die kafka "$TP_KAFKA_PORT"
    return 0
  fi
  if port_open "$TP_KAFKA_CONTROLLER_PORT"; then
    die "Kafka's controller port $TP_KAFKA_CONTROLLER_PORT is in use by $(port_holder "$TP_KAFKA_CONTROLLER_PORT"); set TOUCHPOINT_KAFKA_CONTROLLER_PORT"
  fi

  ensure_java_tools
  ensure_jars kafka
  sed -e "s|@PORT@|$TP_KAFKA_PORT|g" \
    -e "s|@CONTROLLER_PORT@|$TP_KAFKA_CONTROLLER_PORT|g" \
    -e "s|@DATA_DIR@|$dir/data|g" \
    "$TP_ROOT/infra/kafka/server.properties.template" >"$dir/server.properties"

  # KRaft storage is formatted once. Formatting writes the controller's address into it, so
  # another controller port needs a fresh format (this is disposable local test data).
  stamp="controller=127.0.0.1:$TP_KAFKA_CONTROLLER_PORT"
  if [[ ! -f $dir/data/meta.properties || $(cat "$dir/format.stamp" 2>/dev/null) != "$stamp" ]]; then
    if [[ -d $dir/data ]]; then say "controller port changed or storage incomplete: wiping $dir/data"; fi
    rm -rf "$dir/data" "$dir/format.stamp"
    say "formatting KRaft storage in $dir/data ..."
    # random-uuid logs to stderr: the id is the last line of stdout.
    id=$(java -cp "$dir/libs/*" kafka.tools.StorageTool random-uuid 2>>"$fmtlog" | tail -n1) ||
      die "kafka StorageTool random-uuid failed (log: $fmtlog)"
    java -cp "$dir/libs/*" kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" \
      --standalone >>"$fmtlog" 2>&1 ||
      { tail -n 20 "$fmtlog" >&2; die "formatting Kafka storage failed (log: $fmtlog)"; }
    echo "$stamp" >"$dir/format.stamp"
  fi

  rotate_log "$log"
  read -ra opts <<<"$TP_KAFKA_JAVA_OPTS"
  say "starting Kafka $(basename "$dir"/libs/kafka_2.13-*.jar .jar | sed 's/^kafka_2.13-//') (KRaft) on 127.0.0.1:$TP_KAFKA_PORT ..."
  launch kafka "$dir" "$log" java "${opts[@]}" "${TP_SLF4J_TIMES[@]}" -cp "$dir/libs/*" \
    kafka.Kafka "$dir/server.properties"
  echo "$TP_KAFKA_PORT" >"$TP_RUN_DIR/kafka.port"
  pid=$(head -n1 "$(pidfile kafka)")
  wait_ready kafka "$pid" "$log" yes kafka_ready
  say "up in $(elapsed) (pid $pid, port $TP_KAFKA_PORT)"
}

# ---------------------------------------------------------------- MongoDB wire protocol

mongo_ready() { grep -q 'MongoLauncher ready' "$TP_LOG_DIR/mongo.log" && port_open "$TP_MONGO_PORT"; }

start_mongo() {
  local dir=$TP_MONGO_DIR log=$TP_LOG_DIR/mongo.log pid opts
  if pid=$(own_pid mongo); then
    check_own_port mongo "$pid" "$TP_MONGO_PORT"
    wait_ready mongo "$pid" "$log" no mongo_ready
    say "already up (pid $pid, port $TP_MONGO_PORT)"
    return 0
  fi
  if port_open "$TP_MONGO_PORT"; then
    use_shared_or_die mongo "$TP_MONGO_PORT"
    return 0
  fi

  ensure_java_tools
  ensure_jars mongo
  rotate_log "$log"
  read -ra opts <<<"$TP_MONGO_JAVA_OPTS"
  say "starting mongo-java-server (in memory) on 127.0.0.1:$TP_MONGO_PORT ..."
  # Java runs the single-file launcher from source (compiled in memory at each start).
  launch mongo "$dir" "$log" java "${opts[@]}" "${TP_SLF4J_TIMES[@]}" -cp "$dir/libs/*" \
    "$TP_ROOT/infra/mongo/MongoLauncher.java" "$TP_MONGO_PORT"
  echo "$TP_MONGO_PORT" >"$TP_RUN_DIR/mongo.port"
  pid=$(head -n1 "$(pidfile mongo)")
  wait_ready mongo "$pid" "$log" yes mongo_ready
  say "up in $(elapsed) (pid $pid, port $TP_MONGO_PORT)"
}

# ---------------------------------------------------------------- main

tp_select_servers "$@"
TP_T0=${TP_T0:-$EPOCHREALTIME}
mkdir -p "$TP_INFRA_DIR" "$TP_RUN_DIR" "$TP_LOG_DIR" "$TP_KAFKA_DIR" "$TP_MONGO_DIR"

# One up.sh at a time per infra dir: a second one waits, then finds the servers up. flock -o
# keeps the lock in flock's own process, so the servers started below do not inherit it.
if [[ -z ${TP_UP_LOCKED:-} ]]; then
  TP_UP_LOCKED=1 TP_T0=$TP_T0 exec flock -o "$TP_RUN_DIR/up.lock" bash "${BASH_SOURCE[0]}" "$@"
fi

# Start the servers in parallel, each line prefixed with its name. A start function exits
# non-zero on any failure (set -e holds inside the pipeline's subshell), so the result file
# is written only on success.
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
for s in "${TP_SELECTED[@]}"; do
  {
    "start_$s" 2>&1
    echo ok >"$results/$s"
  } | sed -u "s/^/[$s] /" &
done
wait

failed=()
for s in "${TP_SELECTED[@]}"; do
  [[ -f $results/$s ]] || failed+=("$s")
done
if ((${#failed[@]})); then
  say "FAILED to start: ${failed[*]} (logs: $TP_LOG_DIR). Servers that did start keep running; scripts/infra/down.sh stops them."
  exit 1
fi
for s in "${TP_SELECTED[@]}"; do status_line "$s" || true; done
say "ready in $(elapsed). For the tests: eval \"\$(scripts/infra/env.sh)\"; for the app on these servers: eval \"\$(scripts/infra/env.sh --app)\""
