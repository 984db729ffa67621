#!/usr/bin/env bash
# Single-node Apache Kafka 3.8.1 clusters (KRaft, broker and controller in one JVM) on
# loopback, for the demo, the benchmarks and for trying kmirror by hand. The broker settings
# come from scripts/kafka/*.properties.in, shared with the C++ test harness
# (tests/support/kafka_cluster.cpp), so what you run here is what the tests run.
#
#   scripts/kafka-cluster.sh start NAME [PORT]  start in the background on PORT (default: a
#                                               free one), wait until it serves requests,
#                                               print its bootstrap address (127.0.0.1:PORT)
#   scripts/kafka-cluster.sh stop NAME          SIGTERM, SIGKILL after $KAFKA_STOP_TIMEOUT s;
#                                               removes the cluster's directory
#   scripts/kafka-cluster.sh stop-all
#   scripts/kafka-cluster.sh status             one line per cluster: name state bootstrap dir
#   scripts/kafka-cluster.sh bootstrap NAME     print the bootstrap address of a running cluster
#   scripts/kafka-cluster.sh run DIR            (internal) format DIR's storage on first use,
#                                               then exec the broker in the foreground; DIR
#                                               holds server.properties, log4j.properties,
#                                               cluster.id and optionally format.args (extra
#                                               kafka-storage format arguments, one a line,
#                                               e.g. --add-scram). Used by `start` and by the C++
#                                               harness, so the JVM flags live only here.
#
# Each cluster lives in ${KMIRROR_RUN_DIR:-/tmp/kmirror-clusters}/NAME: data/, broker.log
# (log4j), stdout.log (JVM output), pid, bootstrap.
# Environment: KMIRROR_RUN_DIR, KMIRROR_KAFKA_LIBS (the jars; default: scripts/fetch-kafka.sh
# fetches them once), KAFKA_BROKER_PROPERTIES (extra server.properties lines, e.g. for the
# benchmark), KAFKA_HEAP (default 384m), KAFKA_BROKER_JVM_OPTS (extra broker JVM
# flags), KAFKA_START_TIMEOUT (default 120 s), KAFKA_STOP_TIMEOUT (default 15 s).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run_root=${KMIRROR_RUN_DIR:-/tmp/kmirror-clusters}
start_timeout=${KAFKA_START_TIMEOUT:-120}
stop_timeout=${KAFKA_STOP_TIMEOUT:-15}

die() { echo "kafka-cluster: $*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

kafka_libs() {
  if [ -n "${KMIRROR_KAFKA_LIBS:-}" ]; then echo "$KMIRROR_KAFKA_LIBS"; else "$here/fetch-kafka.sh"; fi
}

# JVM flags for a 2-core machine running several brokers next to the tests: a small heap,
# the serial collector (no parallel GC threads competing for 2 cores), no hsperfdata files.
jvm_flags() { # jvm_flags DIR
  echo "-Xmx${KAFKA_HEAP:-384m} -Xms128m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError" \
       "-XX:-UsePerfData -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true" \
       "-Dlog4j.configuration=file:$1/log4j.properties"
}

cmd_run() { # run DIR
  local dir=${1:?run needs a cluster directory}
  dir=$(cd "$dir" && pwd)
  local libs cluster_id flags
  libs=$(kafka_libs)
  cluster_id=$(cat "$dir/cluster.id")
  flags=$(jvm_flags "$dir")
  cd "$dir"
  if [ ! -f "$dir/data/meta.properties" ]; then
    # Extra format arguments, one per line (the C++ harness writes SCRAM credentials here:
    # "--add-scram" and "SCRAM-SHA-512=[name=alice,password=...]"), read from a file so that
    # they appear on no command line but the short-lived format JVM's.
    local format_args=()
    if [ -f "$dir/format.args" ]; then mapfile -t format_args < "$dir/format.args"; fi
    # A short-lived JVM: C1 only starts it in well under half the time. "--cluster-id=ID" in
    # one word: a base64url id may start with '-', which would read as an option.
    # shellcheck disable=SC2086 # flags are words on purpose
    java $flags -XX:TieredStopAtLevel=1 -cp "$libs/*" kafka.tools.StorageTool format \
      --config "$dir/server.properties" --cluster-id="$cluster_id" --ignore-formatted "${format_args[@]}"
  fi
  # exec: the broker takes over this process (its pid, process group and, for the C++
  # harness, its PR_SET_PDEATHSIG), so signals reach the JVM directly.
  # shellcheck disable=SC2086
  exec java $flags ${KAFKA_BROKER_JVM_OPTS:-} -cp "$libs/*" kafka.Kafka "$dir/server.properties"
}

# A random base64url-encoded 16-byte UUID, what `kafka-storage random-uuid` prints.
random_uuid() { head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

# True if something uses TCP port $1 on this machine (any state, IPv4 or IPv6).
port_in_use() {
  local hex
  hex=$(printf ':%04X ' "$1")
  grep -qi -- "$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# A free port below the kernel's ephemeral range: outgoing connections take ports from that
# range, and one could grab a stopped broker's port before it restarts.
free_port() {
  local low _ p i
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  [ "$low" -gt 21000 ] || low=61000
  for i in $(seq 1 200); do
    p=$((20000 + RANDOM % (low - 20000)))
    if ! port_in_use "$p" && [ "$p" != "${2:-}" ]; then echo "$p"; return; fi
  done
  die "no free port found"
}

# Substitutes @KEY@ placeholders: render TEMPLATE KEY=VALUE...
render() {
  local template=$1; shift
  local script="" kv key value
  for kv in "$@"; do
    key=${kv%%=*}; value=${kv#*=}
    value=${value//\\/\\\\}; value=${value//|/\\|}; value=${value//&/\\&}
    script+="s|@${key}@|${value}|g;"
  done
  sed -e "$script" "$template"
}

# True if DIR's broker (or its launcher, while formatting) is alive. Checks the command
# line too, so a recycled pid is not mistaken for the broker.
is_running() { # is_running DIR
  local pid
  pid=$(cat "$1/pid" 2>/dev/null) || return 1
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$1"
}

cmd_start() { # start NAME [PORT]
  local name=${1:?start needs a NAME} port=${2:-}
  [[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "bad cluster name '$name'"
  local dir=$run_root/$name
  if is_running "$dir"; then
    die "cluster $name is already running at $(cat "$dir/bootstrap" 2>/dev/null) (pid $(cat "$dir/pid"))"
  fi
  rm -rf "$dir"
  mkdir -p "$dir/data"
  if [ -z "$port" ]; then
    port=$(free_port)
  elif port_in_use "$port"; then
    die "port $port is in use"
  fi
  local controller_port
  controller_port=$(free_port "$port")
  kafka_libs >/dev/null  # fetch the jars now, not inside the background broker
  random_uuid >"$dir/cluster.id"
  render "$here/kafka/server.properties.in" \
    "CONTROLLER_PORT=$controller_port" \
    "LISTENERS=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port" \
    "ADVERTISED_LISTENERS=PLAINTEXT://127.0.0.1:$port" \
    "PROTOCOL_MAP=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT" \
    "DATA_DIR=$dir/data" >"$dir/server.properties"
  # Extra broker settings, one key=value per line; a later key wins over the template's.
  [ -z "${KAFKA_BROKER_PROPERTIES:-}" ] || printf '%s\n' "$KAFKA_BROKER_PROPERTIES" >>"$dir/server.properties"
  render "$here/kafka/log4j.properties.in" "LOG_FILE=$dir/broker.log" >"$dir/log4j.properties"
  echo "127.0.0.1:$port" >"$dir/bootstrap"

  # setsid: its own session and process group, so `stop` can signal the whole group and a
  # Ctrl-C in this terminal does not reach it. Not a group leader here, so setsid does not
  # fork and $! is the broker's pid (the script execs java).
  setsid "$here/kafka-cluster.sh" run "$dir" >"$dir/stdout.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"

  local deadline=$((SECONDS + start_timeout))
  while true; do
    if ! is_running "$dir"; then
      echo "kafka-cluster: $name exited during start; last log lines:" >&2
      tail -n 30 "$dir/stdout.log" "$dir/broker.log" >&2 2>/dev/null || true
      exit 1
    fi
    # Logged once the broker is registered and unfenced and serves requests; then check the
    # port really accepts connections.
    if grep -q "Kafka Server started" "$dir/broker.log" 2>/dev/null &&
       (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      break
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "kafka-cluster: $name not ready after ${start_timeout}s; last log lines:" >&2
      tail -n 30 "$dir/broker.log" >&2 2>/dev/null || true
      cmd_stop "$name" >/dev/null 2>&1 || true
      exit 1
    fi
    sleep 0.2
  done
  echo "127.0.0.1:$port"
}

cmd_stop() { # stop NAME
  local name=${1:?stop needs a NAME}
  local dir=$run_root/$name
  [ -d "$dir" ] || die "no cluster named $name in $run_root"
  if [ -f "$dir/pid" ]; then
    local pid
    pid=$(cat "$dir/pid")
    if is_running "$dir"; then
      kill -TERM "$pid" 2>/dev/null || true
      local deadline=$((SECONDS + stop_timeout))
      while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
      if kill -0 "$pid" 2>/dev/null; then
        echo "kafka-cluster: $name ignored SIGTERM for ${stop_timeout}s, killing it" >&2
      fi
      # The whole group: also a StorageTool still formatting, if stopped that early.
      kill -KILL -- "-$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
  fi
  rm -rf "$dir"
  echo "stopped $name"
}

cmd_stop_all() {
  [ -d "$run_root" ] || return 0
  local dir
  for dir in "$run_root"/*/; do
    [ -d "$dir" ] || continue
    cmd_stop "$(basename "$dir")"
  done
}

cmd_status() {
  [ -d "$run_root" ] || { echo "no clusters in $run_root"; return 0; }
  local dir name state any=0
  for dir in "$run_root"/*/; do
    [ -d "$dir" ] || continue
    any=1
    name=$(basename "$dir")
    if is_running "$dir"; then state="running(pid $(cat "$dir/pid"))"; else state=stopped; fi
    printf '%-16s %-22s %-22s %s\n' "$name" "$state" "$(cat "$dir/bootstrap" 2>/dev/null || echo -)" "${dir%/}"
  done
  [ $any = 1 ] || echo "no clusters in $run_root"
}

cmd_bootstrap() {
  local dir=$run_root/${1:?bootstrap needs a NAME}
  is_running "$dir" || die "cluster ${1} is not running"
  cat "$dir/bootstrap"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  stop-all) cmd_stop_all ;;
  status) cmd_status ;;
  bootstrap) shift; cmd_bootstrap "$@" ;;
  run) shift; cmd_run "$@" ;;
  *) usage ;;
esac
