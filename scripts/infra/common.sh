# shellcheck shell=bash
# shellcheck disable=SC2034  # the settings below are used by the scripts that source this file
# Settings and helpers shared by scripts/infra/{up,down,status,env}.sh. Sourced, not run.
#
# Everything these scripts download or write lives under TP_INFRA_DIR (default: <project>/.infra,
# git-ignored), except PostgreSQL's cluster when the `postgres` OS user cannot reach that directory
# (see pg_root) and Maven's own cache (~/.m2).

TP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TP_INFRA_DIR=${TOUCHPOINT_INFRA_DIR:-$TP_ROOT/.infra}
case $TP_INFRA_DIR in /*) ;; *) TP_INFRA_DIR=$PWD/$TP_INFRA_DIR ;; esac

TP_PG_PORT=${TOUCHPOINT_PG_PORT:-54329}
TP_KAFKA_PORT=${TOUCHPOINT_KAFKA_PORT:-19092}
TP_KAFKA_CONTROLLER_PORT=${TOUCHPOINT_KAFKA_CONTROLLER_PORT:-19093}
TP_MONGO_PORT=${TOUCHPOINT_MONGO_PORT:-27018}
TP_PG_DB=touchpoint
TP_PG_APP_DB=touchpoint_app
TP_TIMEOUT=${TOUCHPOINT_INFRA_TIMEOUT:-120}                 # seconds to wait for one server to answer
TP_KAFKA_JAVA_OPTS=${TOUCHPOINT_KAFKA_JAVA_OPTS:--Xmx512m}
TP_MONGO_JAVA_OPTS=${TOUCHPOINT_MONGO_JAVA_OPTS:--Xmx1g}

TP_RUN_DIR=$TP_INFRA_DIR/run      # pid files, lock, recorded PostgreSQL location
TP_LOG_DIR=$TP_INFRA_DIR/logs     # kafka.log, mongo.log, mvn-*.log, postgres.log (a symlink)
TP_KAFKA_DIR=$TP_INFRA_DIR/kafka  # libs/ (jars), server.properties, data/
TP_MONGO_DIR=$TP_INFRA_DIR/mongo  # libs/ (jars)
TP_ALL_SERVERS=(postgres kafka mongo)

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Server names from the command line (default: all), checked.
tp_select_servers() {
  local s
  TP_SELECTED=()
  (($#)) || set -- "${TP_ALL_SERVERS[@]}"
  for s in "$@"; do
    case $s in
      postgres | kafka | mongo) TP_SELECTED+=("$s") ;;
      *) die "unknown server '$s' (expected: postgres, kafka, mongo)" ;;
    esac
  done
}

tp_port() {
  case $1 in
    postgres) echo "$TP_PG_PORT" ;;
    kafka) echo "$TP_KAFKA_PORT" ;;
    mongo) echo "$TP_MONGO_PORT" ;;
  esac
}

# ---------------------------------------------------------------- processes and ports

# Does a TCP listener answer on 127.0.0.1:PORT? (bash's /dev/tcp: no nc/curl needed)
port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

# Pid of whatever listens on PORT, when this user may see it (root sees all).
port_pid() { ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2 || true; }

pid_cmdline() { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" || true; }

# "pid N (command)" of whatever listens on PORT, for messages.
port_holder() {
  local pid
  pid=$(port_pid "$1")
  if [[ -n $pid ]]; then echo "pid $pid ($(pid_cmdline "$pid" | cut -c1-100))"; else echo "another process"; fi
}

# Is PID alive and running the program NAME stands for? Pid files can outlive their process and
# the pid be reused, so the command line is checked, not just `kill -0`.
pid_is() {
  local pid=$1 name=$2 cmd
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmd=$(pid_cmdline "$pid")
  case $name in
    postgres) [[ $cmd == *postgres* ]] ;;
    kafka) [[ $cmd == *kafka.Kafka* ]] ;;
    mongo) [[ $cmd == *MongoLauncher* ]] ;;
    *) return 1 ;;
  esac
}

# PostgreSQL keeps its own pid file (postmaster.pid, first line); the Java servers get ours.
pidfile() {
  case $1 in
    postgres) echo "$(pg_root)/data/postmaster.pid" ;;
    *) echo "$TP_RUN_DIR/$1.pid" ;;
  esac
}

# The port a running server of ours was started on (PostgreSQL writes it into line 4 of its pid
# file; up.sh records the others'), to tell "still starting" from "started on another port".
own_port() {
  case $1 in
    postgres) sed -n 4p "$(pidfile postgres)" 2>/dev/null ;;
    *) cat "$TP_RUN_DIR/$1.port" 2>/dev/null || tp_port "$1" ;;
  esac
}

# Prints the pid of this directory's NAME server if it is running; fails otherwise.
own_pid() {
  local f pid
  f=$(pidfile "$1")
  [[ -s $f ]] || return 1
  pid=$(head -n1 "$f")
  pid_is "$pid" "$1" || return 1
  echo "$pid"
}

# ---------------------------------------------------------------- PostgreSQL

# Commands against the cluster run as its owner: the `postgres` OS user when we are root
# (PostgreSQL refuses to run as root), ourselves otherwise. `cd /` avoids "could not change
# directory" noise when the caller's directory is private.
as_pg() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Server binaries: TOUCHPOINT_PG_BIN, else version 15, else the newest installed.
pg_bindir() {
  local d best=
  if [[ -n ${TOUCHPOINT_PG_BIN:-} ]]; then echo "$TOUCHPOINT_PG_BIN"; return 0; fi
  if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then echo /usr/lib/postgresql/15/bin; return 0; fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
    [[ -x $d/initdb ]] && best=$d
  done
  [[ -n $best ]] && echo "$best"
}

# Where the cluster lives (data/, postgres.log): TOUCHPOINT_PG_DIR if set, else the place up.sh
# recorded when it created the cluster (down/status must find the same one), else for a new
# cluster: <infra dir>/postgres when the `postgres` OS user, which runs the server, can traverse
# every parent directory of it; otherwise (e.g. a project under a private home directory)
# /var/tmp/touchpoint-pg-<hash of the infra dir>, which survives reboots and is unique per checkout.
pg_root() {
  if [[ -n ${TOUCHPOINT_PG_DIR:-} ]]; then
    echo "$TOUCHPOINT_PG_DIR"
  elif [[ -s $TP_RUN_DIR/postgres.dir ]]; then
    cat "$TP_RUN_DIR/postgres.dir"
  elif ((EUID != 0)) || as_pg test -x "$TP_INFRA_DIR" 2>/dev/null; then
    echo "$TP_INFRA_DIR/postgres"
  else
    echo "/var/tmp/touchpoint-pg-$(printf %s "$TP_INFRA_DIR" | cksum | cut -d' ' -f1)"
  fi
}

pg_tool() { # pg_tool NAME: the client tool from the server's bin dir, else from PATH
  local d
  d=$(pg_bindir || true)
  if [[ -n $d && -x $d/$1 ]]; then echo "$d/$1"; else echo "$1"; fi
}

pg_ready() { "$(pg_tool pg_isready)" -q -h 127.0.0.1 -p "${1:-$TP_PG_PORT}" -U postgres -d postgres -t 2; }

# ---------------------------------------------------------------- status

# Does NAME's server answer on PORT?
answers() {
  case $1 in
    postgres) pg_ready "$2" ;;
    *) port_open "$2" ;;
  esac
}

# One line: name, state, port, pid. Succeeds when the server is up.
#   up        answers on its port (ours, or "shared": same kind of server started from elsewhere)
#   starting  our process runs but does not answer (yet)
#   down      nothing answers
status_line() {
  local name=$1 port pid state=down note=
  port=$(tp_port "$name")
  if pid=$(own_pid "$name"); then
    port=$(own_port "$name")
    if answers "$name" "$port"; then state=up; else state=starting; fi
  elif answers "$name" "$port"; then
    state=up
    pid=$(port_pid "$port")
    note="(shared: not started from $TP_INFRA_DIR)"
  else
    pid=-
  fi
  printf '%-8s  %-8s  port %-5s  pid %-7s %s\n' "$name" "$state" "$port" "${pid:--}" "$note"
  [[ $state == up ]]
}

# ---------------------------------------------------------------- installs and downloads

# One install at a time (apt and Maven do not like parallel runs on a shared cache).
# Runs "$@" in a subshell holding the lock; call it as a plain command so `set -e` stays on.
with_install_lock() {
  mkdir -p "$TP_RUN_DIR"
  (flock 9 && "$@") 9>"$TP_RUN_DIR/install.lock"
}

apt_install() {
  ((EUID == 0)) || die "missing $*; install with: sudo apt-get update && sudo apt-get install -y $*"
  say "installing Debian packages: $* ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Java 17+ (Kafka 4 needs 17; the Mongo launcher needs the JDK's source launcher) and Maven.
ensure_java_tools() {
  local missing=() version
  command -v java >/dev/null && command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null || missing+=(maven)
  if ((${#missing[@]})); then with_install_lock apt_install "${missing[@]}"; fi
  version=$(java -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
  if ! [[ ${version%%.*} =~ ^[0-9]+$ ]] || ((${version%%.*} < 17)); then
    die "Java 17 or newer is needed, found '${version:-?}' ($(command -v java))"
  fi
}

# Jars come from Maven Central through the committed infra/NAME/pom.xml, copied into
# <infra dir>/NAME/libs. A stamp with the pom's checksum lets later runs skip Maven entirely,
# and redo the copy when the pom changes.
ensure_jars() {
  local name=$1 sum
  sum=$(sha256sum "$TP_ROOT/infra/$name/pom.xml" | cut -d' ' -f1)
  if [[ -d $TP_INFRA_DIR/$name/libs && $(cat "$TP_INFRA_DIR/$name/libs.stamp" 2>/dev/null) == "$sum" ]]; then
    return 0
  fi
  with_install_lock download_jars "$name" "$sum"
}

download_jars() {
  local name=$1 sum=$2 dir=$TP_INFRA_DIR/$1 mvnlog=$TP_LOG_DIR/mvn-$1.log
  # Another up.sh may have done it while we waited for the lock.
  if [[ -d $dir/libs && $(cat "$dir/libs.stamp" 2>/dev/null) == "$sum" ]]; then return 0; fi
  say "downloading $name jars from Maven Central (infra/$name/pom.xml) ..."
  mkdir -p "$dir" "$TP_LOG_DIR"
  rm -rf "$dir/libs.tmp"
  # Into libs.tmp first, so an interrupted download never looks complete.
  if ! mvn -B -q -f "$TP_ROOT/infra/$name/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$dir/libs.tmp" >"$mvnlog" 2>&1; then
    tail -n 30 "$mvnlog" | sed 's/^/    /' >&2
    die "Maven could not fetch the $name jars (full log: $mvnlog)"
  fi
  rm -rf "$dir/libs"
  mv "$dir/libs.tmp" "$dir/libs"
  echo "$sum" >"$dir/libs.stamp"
  say "$(ls "$dir/libs" | wc -l) jars, $(du -sh "$dir/libs" | cut -f1) in $dir/libs"
}
