# Shared by bench/run.sh, bench/cluster.sh and bench/translation.sh (sourced, not run).
#
# The caller sets, before sourcing: root (the checkout), out (the results directory, absolute),
# commands (the file every command line is noted in), KMIRROR_RUN_DIR (the clusters' run
# directory). Then it calls bench_begin NAME GRACE_S LOG_TAIL_BYTES: from then on every
# process started with start_bg, and both clusters once clusters_started=1, are stopped when
# the script ends for any reason (nothing survives a benchmark).

say() { printf '\033[1m[%s] %s\033[0m\n' "$(date +%H:%M:%S)" "$*"; }
note_cmd() { printf '%q ' "$@" | sed 's/ $//' >>"$commands"; echo >>"$commands"; }

pids=()
clusters_started=0
bench_grace_s=10
bench_log_tail=2000000

# cleanup: SIGTERM to every process start_bg started, SIGKILL to those left after
# bench_grace_s; the brokers' log tails kept in $out/logs, both clusters stopped, the run
# directory removed.
cleanup() {
  set +e
  local p i
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for ((i = 0; i < bench_grace_s * 5; i++)); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  if [ $clusters_started = 1 ]; then
    for c in A B; do
      [ -f "$KMIRROR_RUN_DIR/$c/broker.log" ] && tail -c "$bench_log_tail" "$KMIRROR_RUN_DIR/$c/broker.log" >"$out/logs/broker-$c.log"
      "$root/scripts/kafka-cluster.sh" stop "$c" >/dev/null 2>&1
    done
  fi
  rm -rf "$KMIRROR_RUN_DIR"
}

# bench_begin NAME GRACE_S LOG_TAIL_BYTES: installs the traps (NAME in the interruption message).
bench_begin() {
  bench_grace_s=$2
  bench_log_tail=$3
  trap cleanup EXIT
  # shellcheck disable=SC2064  # NAME is expanded now, on purpose
  trap "echo '$1: interrupted' >&2; exit 130" INT TERM
}

# start_bg LOG CMD...: runs CMD in the background (noted in $commands); sets bg_pid.
start_bg() {
  local log=$1; shift
  note_cmd "$@"
  "$@" >"$log" 2>&1 </dev/null &
  bg_pid=$!
  pids+=("$bg_pid")
}

# stop_pid PID [GRACE_S]: SIGTERM, SIGKILL after GRACE_S; returns nothing useful.
stop_pid() {
  local pid=$1 grace=${2:-30} i
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 5; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

get() { sed -n "s/^$1=//p" "$2" | head -n1; }  # get KEY FILE (key=value files)
proc_cpu() { # utime+stime(+children) of PID in seconds, or 0
  awk -v t="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13 + $14 + $15) / t }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# machine_busy: how busy the machine is before the run, over 3 s (other users' builds or tests
# skew every number), as the versions.txt line "machine_busy_before_run=...".
machine_busy() {
  local busy
  busy=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat; sleep 3; awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
  # shellcheck disable=SC2086  # the four numbers are words on purpose
  echo "machine_busy_before_run=$(echo $busy | awk '{ printf "%.0f%% of %d cores over 3 s", 100 * ($3 - $1) / (($3 - $1) + ($4 - $2)), '"$(nproc)"' }')"
}

# start_clusters DIR: starts clusters A and B together (their start-up output in DIR), and
# sets bootstrap_a, bootstrap_b, pid_a, pid_b; exits with the start-up output on failure.
start_clusters() {
  local dir=$1 sa sb
  say "Starting clusters A and B (single-node KRaft, heap $KAFKA_HEAP) in $KMIRROR_RUN_DIR"
  clusters_started=1
  "$root/scripts/kafka-cluster.sh" start A >"$dir/start-A.txt" 2>&1 &
  sa=$!
  "$root/scripts/kafka-cluster.sh" start B >"$dir/start-B.txt" 2>&1 &
  sb=$!
  wait $sa || { cat "$dir/start-A.txt" >&2; exit 1; }
  wait $sb || { cat "$dir/start-B.txt" >&2; exit 1; }
  bootstrap_a=$("$root/scripts/kafka-cluster.sh" bootstrap A)
  bootstrap_b=$("$root/scripts/kafka-cluster.sh" bootstrap B)
  pid_a=$(cat "$KMIRROR_RUN_DIR/A/pid")
  pid_b=$(cat "$KMIRROR_RUN_DIR/B/pid")
  say "A = $bootstrap_a (pid $pid_a), B = $bootstrap_b (pid $pid_b)"
}
