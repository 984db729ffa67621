#!/usr/bin/env bash
# kmirror as a cluster (issue 12): one, two and three nodes on one backlog, and the time from
# a node's kill -9 to the survivors' first record of its partitions, against MirrorMaker 2 in
# distributed mode with the same kill.
#
#   bench/cluster.sh                   # 1,000,000 x 1 KiB over 12 partitions, 3 drains per
#                                      # node count; four failover cases (about 20 minutes)
#   CLUSTER_QUICK=1 bench/cluster.sh   # smoke run: 100,000 records, 1 drain, the two fast cases
#
# Same set-up as bench/run.sh (which it follows closely): installs what
# scripts/install-deps.sh installs, builds kmirror and bench/kbench.cpp, fetches Kafka and MM2
# 3.8.1 jars (cached), starts two single-broker KRaft clusters A and B on free ports
# (scripts/kafka-cluster.sh). Then:
#
#   spread    the same backlog (CLUSTER_RECORDS records of CLUSTER_SIZE bytes, CLUSTER_PARTITIONS
#             partitions, pre-loaded once into A by ProducerPerformance) drained to a fresh
#             topic on B by 1, 2 and 3 kmirror nodes started together from one file (fresh
#             aliases per drain, so a fresh group). Timed until B holds every record, verified
#             record by record (count and order-sensitive hash per partition, kbench digest);
#             each node's /metrics at the end gives its partitions and its records (per
#             partition: metrics.partition.series = true).
#   failover  a steady load (kbench produce --rate CLUSTER_RATE, round-robin over the
#             partitions) into a fresh topic on A, three nodes of one replicator mirroring it;
#             once every node owns partitions and the ownership has been stable for
#             CLUSTER_SETTLE s, one node is killed with SIGKILL. A probe on B (kbench failover)
#             notes each partition's arrivals: the partitions whose records stop at the kill
#             and pause for CLUSTER_GAP_MS or more are the moved ones; reported: the time from
#             the kill to the first record of any moved partition on B, and until every moved
#             partition has one. The killed node's partitions are also read from the node
#             itself before the kill (kmirror: its per-partition counters that advance; MM2:
#             the MirrorSourceConnector tasks its log shows running) to check the probe. After
#             the load stops, B must hold at least every record of A (count per partition;
#             the surplus is the duplicates of at-least-once delivery).
#
# Failover cases (CLUSTER_FAILOVER, in this order by default):
#   kmirror      3 kmirror nodes, kmirror's defaults (2 tasks per node; librdkafka's session
#                timeout 45 s, heartbeat 3 s)
#   kmirror-s10  the same with A.consumer.session.timeout.ms = CLUSTER_SESSION_MS (10000) and
#                heartbeat.interval.ms 1000 (docs/cluster.md's example; Connect's worker
#                session timeout is 10 s too)
#   mm2-d10s     3 MirrorMaker 2 processes (org.apache.kafka.connect.mirror.MirrorMaker, what
#                connect-mirror-maker.sh runs) on bench/run.sh's tuned file (tasks.max = the
#                partitions) plus dedicated.mode.enable.internal.rest = true (KIP-710; without
#                it a follower cannot forward task configs to the leader) and a listener per
#                process (the files differ in that line only), with
#                B.scheduled.rebalance.max.delay.ms = CLUSTER_MM2_DELAY_MS (10000)
#   mm2          the same with Connect's default scheduled.rebalance.max.delay.ms (300000:
#                a departed worker's tasks wait 5 minutes for it to come back)
# The MM2 victim is a worker that is not the group leader (its leader re-plans the lost tasks);
# the kmirror victim is node n2.
#
# Results: bench/results/<timestamp>-cluster/ results.md (tables, method, versions),
# spread-runs.tsv (every drain), spread-nodes.tsv (per node of every drain), failover.tsv,
# configs/, logs/ (every node's output, the probes' output), commands.txt.
#
# Environment (defaults in brackets):
#   CLUSTER_RECORDS [1000000; QUICK: 100000]  CLUSTER_SIZE [1024]  CLUSTER_PARTITIONS [12]
#   CLUSTER_NODES ["1 2 3"; "" skips the spread phase]  CLUSTER_REPEAT [3; QUICK: 1]
#   CLUSTER_FAILOVER ["kmirror kmirror-s10 mm2-d10s mm2"; QUICK: "kmirror-s10 mm2-d10s"; "" skips]
#   CLUSTER_RATE [2000 records/s]  CLUSTER_GAP_MS [2000]  CLUSTER_SETTLE [10 s]
#   CLUSTER_SESSION_MS [10000]  CLUSTER_MM2_DELAY_MS [10000]  CLUSTER_TIMEOUT [300 s per drain]
#   BENCH_BROKER_HEAP [512m]  BENCH_MM2_HEAP [768m per MM2 process]  CLUSTER_OUT [bench/results/<timestamp>-cluster]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ "${CLUSTER_QUICK:-0}" = 1 ]; then
  d_records=100000 d_repeat=1 d_failover="kmirror-s10 mm2-d10s"
else
  d_records=1000000 d_repeat=3 d_failover="kmirror kmirror-s10 mm2-d10s mm2"
fi
records=${CLUSTER_RECORDS:-$d_records}
size=${CLUSTER_SIZE:-1024}
partitions=${CLUSTER_PARTITIONS:-12}
read -r -a node_counts <<<"${CLUSTER_NODES-1 2 3}"
repeat=${CLUSTER_REPEAT:-$d_repeat}
read -r -a fo_cases <<<"${CLUSTER_FAILOVER-$d_failover}"
rate=${CLUSTER_RATE:-2000}
gap_ms=${CLUSTER_GAP_MS:-2000}
settle_s=${CLUSTER_SETTLE:-10}
session_ms=${CLUSTER_SESSION_MS:-10000}
mm2_delay_ms=${CLUSTER_MM2_DELAY_MS:-10000}
drain_timeout=${CLUSTER_TIMEOUT:-300}
mm2_heap=${BENCH_MM2_HEAP:-768m}
export KAFKA_HEAP=${BENCH_BROKER_HEAP:-512m}
# As bench/run.sh: Kafka's production default for a new group's first rebalance (nodes
# started together join in one), and drained copies' files deleted 1 s after the topic.
export KAFKA_BROKER_PROPERTIES="group.initial.rebalance.delay.ms=3000
file.delete.delay.ms=1000"
stamp=$(date +%Y%m%d-%H%M%S)
out=${CLUSTER_OUT:-bench/results/$stamp-cluster}
mkdir -p "$out"/{configs,logs,work}
out=$(cd "$out" && pwd)
export KMIRROR_RUN_DIR=/tmp/kmirror-cluster-bench.$$
commands=$out/commands.txt
: >"$commands"

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"  # say, note_cmd, cleanup, start_bg, get, proc_cpu
bench_begin "cluster bench" 15 2000000

stop_pids() { # stop_pids GRACE_S PID...: SIGTERM to all, SIGKILL after GRACE_S
  local grace=$1 p i alive; shift
  for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
  for ((i = 0; i < grace * 5; i++)); do
    alive=0
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  for p in "$@"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
proc_hwm_mib() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }
now_ms() { date +%s%3N; }

# ---------------------------------------------------------------- install, build, fetch
say "Installing missing packages (scripts/install-deps.sh)"
scripts/install-deps.sh

say "Building kmirror (RelWithDebInfo) and bench/kbench.cpp"
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build build -j2 --target kmirror
mkdir -p "$KMIRROR_RUN_DIR"
cp build/src/kmirror "$KMIRROR_RUN_DIR/kmirror"  # a rebuild during the run must not change it
kmirror=$KMIRROR_RUN_DIR/kmirror
mkdir -p build/bench
kbench=$root/build/bench/kbench
if [ ! -x "$kbench" ] || [ bench/kbench.cpp -nt "$kbench" ]; then
  # shellcheck disable=SC2046
  g++ -std=c++20 -O2 -Wall -o "$kbench" bench/kbench.cpp $(pkg-config --cflags --libs rdkafka) -pthread
fi

say "Fetching Kafka 3.8.1 and MirrorMaker 2 3.8.1 jars (cached in ~/.cache/kmirror)"
libs=$(scripts/fetch-kafka.sh --with-mm2)
mm2_libs=${KMIRROR_CACHE:-$HOME/.cache/kmirror}/mm2-3.8.1/libs
[ -f "$mm2_libs/connect-mirror-3.8.1.jar" ] || { echo "cluster bench: MM2 jars missing in $mm2_libs" >&2; exit 1; }
export KMIRROR_KAFKA_LIBS=$libs
jvm_perf=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
          -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true)
pp=(java -Xmx512M "${jvm_perf[@]}" -Dlog4j.configuration=file:"$root/deploy/log4j-tools.properties"
    -cp "$libs/*" org.apache.kafka.tools.ProducerPerformance)
mm2=(java -Xms256M -Xmx"$mm2_heap" "${jvm_perf[@]}" -Dlog4j.configuration=file:"$root/bench/mm2-log4j.properties"
     -cp "$mm2_libs/*" org.apache.kafka.connect.mirror.MirrorMaker)

{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "kafka=3.8.1 (brokers, MirrorMaker 2 connect-mirror, ProducerPerformance)"
  echo "kmirror=$("$kmirror" --version 2>/dev/null | head -n1) git $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src include 2>/dev/null || echo '+local changes')"
  echo "librdkafka=$("$kbench" version)"
  echo "java=$(java -version 2>&1 | head -n1)"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores"
  echo "ram=$(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "kernel=$(uname -r)"
  machine_busy
  echo "load_average_before_run=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/versions.txt"
grep machine_busy "$out/versions.txt"

# ---------------------------------------------------------------- clusters
start_clusters "$out/work"

# A free loopback port below the ephemeral range (as scripts/kafka-cluster.sh picks them).
free_port() {
  local low _ p hex
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  [ "$low" -gt 21000 ] || low=61000
  while true; do
    p=$((20000 + RANDOM % (low - 20000)))
    hex=$(printf ':%04X ' "$p")
    grep -qi -- "$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null || { echo "$p"; return; }
  done
}

# write_config FILE VARIANT SOURCE_ALIAS TARGET_ALIAS TOPIC: an MM2 file (bench/run.sh's
# plain or tuned one); kmirror reads it as is.
write_config() {
  local f=$1 variant=$2 s=$3 t=$4 topic=$5 k
  {
    echo "# $variant configuration for one cluster-benchmark run (bench/cluster.sh)"
    echo "clusters = $s, $t"
    echo "$s.bootstrap.servers = $bootstrap_a"
    echo "$t.bootstrap.servers = $bootstrap_b"
    echo "$s->$t.enabled = true"
    echo "$s->$t.topics = $topic"
    echo "# single-broker clusters"
    echo "replication.factor = 1"
    for k in checkpoints.topic heartbeats.topic offset-syncs.topic offset.storage status.storage config.storage; do
      echo "$k.replication.factor = 1"
    done
    case $variant in
      kmirror*)
        echo "# kmirror: per-partition series, to see which node mirrored which partition"
        echo "metrics.partition.series = true"
        if [ "$variant" = kmirror-s10 ]; then
          echo "# a dead node's partitions move after ${session_ms} ms without its heartbeats"
          echo "$s.consumer.session.timeout.ms = $session_ms"
          echo "$s.consumer.heartbeat.interval.ms = 1000"
        fi ;;
      mm2*)
        echo "# MM2 tuned (bench/run.sh): one task per partition, idempotent producer with 5 requests"
        echo "# in flight, large batches and linger, larger fetches and polls"
        echo "tasks.max = $partitions"
        echo "$t.producer.enable.idempotence = true"
        echo "$t.producer.acks = all"
        echo "$t.producer.max.in.flight.requests.per.connection = 5"
        echo "$t.producer.batch.size = 1048576"
        echo "$t.producer.linger.ms = 20"
        echo "$s.consumer.max.poll.records = 2000"
        echo "$s.consumer.max.partition.fetch.bytes = 4194304"
        echo "# distributed mode (KIP-710): the processes forward task configs to the leader"
        echo "dedicated.mode.enable.internal.rest = true"
        if [ "$variant" = mm2-d10s ]; then
          echo "# a departed worker's tasks are reassigned after this delay (Connect's default: 300000)"
          echo "$t.scheduled.rebalance.max.delay.ms = $mm2_delay_ms"
        fi ;;
    esac
  } >"$f"
}

# ---------------------------------------------------------------- kmirror nodes
# start_kmirror_nodes TAG CFG N: starts nodes n1..nN from CFG; sets node_pids, node_logs.
start_kmirror_nodes() {
  local tag=$1 cfg=$2 n=$3 i dir
  node_pids=() node_logs=() node_metrics=() node_api=()
  for ((i = 1; i <= n; i++)); do
    dir=$KMIRROR_RUN_DIR/$tag-n$i
    mkdir -p "$dir"
    start_bg "$out/logs/$tag-n$i.log" env -C "$dir" "$kmirror" run --config "$cfg" --node-id "n$i" \
      --set api.listen=127.0.0.1:0 --set metrics.listen=127.0.0.1:0 --set offsets.index.dir="$dir/offset-index"
    node_pids+=("$bg_pid")
    node_logs+=("$out/logs/$tag-n$i.log")
  done
}
# The ports each node logged at start-up (port 0 picks a free one); sets node_metrics, node_api.
kmirror_ports() {
  local i log m a deadline=$((SECONDS + 120))
  node_metrics=() node_api=()
  for log in "${node_logs[@]}"; do
    m="" a=""
    while [ -z "$m" ] || [ -z "$a" ]; do
      m=$(sed -n 's/.*metrics listening on .* (port \([0-9]*\)).*/\1/p' "$log" | head -n1)
      a=$(sed -n 's/.*API listening on .* (port \([0-9]*\)[,)].*/\1/p' "$log" | head -n1)
      [ $SECONDS -lt $deadline ] || { echo "cluster bench: no ports in $log" >&2; tail -n 20 "$log" >&2; return 1; }
      sleep 0.2
    done
    node_metrics+=("$m") node_api+=("$a")
  done
}
scrape() { curl -sf --max-time 10 "http://127.0.0.1:$1/metrics" || true; }
# metric_sum NAME FLOW [TOPIC] < metrics: the sum of NAME's samples of FLOW (and TOPIC)
metric_sum() {
  awk -v n="$1" -v f="flow=\"$2\"" -v tp="${3:+topic=\"$3\"}" '$1 ~ "^" n "[{ ]" && index($0, f) && index($0, tp) { s += $NF } END { printf "%.0f", s }'
}
# per_partition NAME FLOW TOPIC < metrics: "partition value" lines of NAME for FLOW and TOPIC
# (the flow also mirrors the source's heartbeats topic, as MM2 does)
per_partition() {
  awk -v n="$1" -v f="flow=\"$2\"" -v tp="topic=\"$3\"" '$1 ~ "^" n "{" && index($0, f) && index($0, tp) && match($0, /partition="[0-9]+"/) {
    print substr($0, RSTART + 11, RLENGTH - 12), $NF }' | sort -n
}

# ---------------------------------------------------------------- spread
printf 'nodes\trun\tfirst_s\tdone_s\tdrain_rps\ttotal_rps\tcpu_s_all_nodes\tverified\trecords_sum_of_nodes\tpartitions_per_node\trecords_per_node\tloadavg1_before\n' >"$out/spread-runs.tsv"
printf 'nodes\trun\tnode\tpartitions_assigned\trecords\tcpu_s\tpeak_rss_MiB\tpartitions_mirrored\n' >"$out/spread-nodes.tsv"
run_no=0
run_spread() { # run_spread NODES
  local n=$1 tag s t cfg tgt t0 watch i verified m parts recs sum=0 ppn="" rpn="" cpu=0 c load1
  run_no=$((run_no + 1))
  tag=$run_no-spread-${n}n s=A$run_no t=B$run_no tgt=A$run_no.$src_spread
  cfg=$out/configs/$tag.properties
  write_config "$cfg" kmirror "$s" "$t" "$src_spread"
  say "spread: $n node(s) drain $records records (run $run_no)"
  load1=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s%N)
  start_kmirror_nodes "$tag" "$cfg" "$n"
  watch=$out/work/$tag.watch
  note_cmd "$kbench" watch --brokers "$bootstrap_b" --topic "$tgt" --expect "$out/work/expect-spread.txt" --pid "${node_pids[0]}" --t0-ns "$t0"
  "$kbench" watch --brokers "$bootstrap_b" --topic "$tgt" --expect "$out/work/expect-spread.txt" --pid "${node_pids[0]}" \
    --t0-ns "$t0" --broker-pids "$pid_a,$pid_b" --timeout "$drain_timeout" >"$watch" || true
  kmirror_ports || true
  # Each node's view at the end: its partitions now, its records (per partition), CPU, RSS.
  for ((i = 0; i < n; i++)); do
    m=$out/work/$tag-n$((i + 1)).metrics
    scrape "${node_metrics[$i]:-0}" >"$m"
    parts=$(metric_sum kmirror_partitions_assigned "$s->$t" <"$m")
    recs=$(metric_sum kmirror_records_mirrored_total "$s->$t" "$src_spread" <"$m")
    c=$(proc_cpu "${node_pids[$i]}")
    cpu=$(awk -v a="$cpu" -v b="$c" 'BEGIN { print a + b }')
    sum=$((sum + recs))
    ppn+="${ppn:+/}$parts" rpn+="${rpn:+/}$recs"
    printf '%s\t%s\tn%s\t%s\t%s\t%.2f\t%s\t%s\n' "$n" "$run_no" $((i + 1)) "$parts" "$recs" "$c" \
      "$(proc_hwm_mib "${node_pids[$i]}")" \
      "$(per_partition kmirror_records_mirrored_total "$s->$t" "$src_spread" <"$m" | awk '$2 > 0 { printf "%s%s:%s", sep, $1, $2; sep = "," }')" \
      >>"$out/spread-nodes.tsv"
  done
  [ "$n" -gt 1 ] && "$kmirror" status --api "127.0.0.1:${node_api[0]:-0}" >"$out/logs/$tag-status.txt" 2>&1 || true
  stop_pids 30 "${node_pids[@]}"
  if [ "$(get complete "$watch")" != 1 ]; then
    verified="INCOMPLETE($(get records "$watch")/$records)"
  else
    "$kbench" digest --brokers "$bootstrap_b" --topic "$tgt" >"$out/work/$tag.digest" 2>>"$out/logs/$tag-n1.log" || true
    if cmp -s "$out/work/$tag.digest" "$out/work/digest-spread.txt"; then verified=yes; else verified=NO; fi
  fi
  "$kbench" delete --brokers "$bootstrap_b" --topic "$tgt" 2>/dev/null || true
  awk -v n="$n" -v run="$run_no" -v recs="$records" -v first="$(get first_s "$watch")" -v done="$(get done_s "$watch")" \
      -v cpu="$cpu" -v v="$verified" -v sum="$sum" -v ppn="$ppn" -v rpn="$rpn" -v l1="$load1" 'BEGIN {
        ok = (done > 0 && first >= 0); d = done - first; if (d < 0.05) d = 0.05
        printf "%d\t%d\t%.2f\t%.2f\t%.0f\t%.0f\t%.2f\t%s\t%d\t%s\t%s\t%s\n", n, run, first, (ok ? done : -1),
               (ok ? recs / d : 0), (ok ? recs / done : 0), cpu, v, sum, ppn, rpn, l1 }' | tee -a "$out/spread-runs.tsv" |
    awk -F'\t' '{ printf "  first record %.1f s, all %s s, %s rec/s, CPU (all nodes) %s s, verified %s; partitions per node %s, records per node %s\n", $3, $4, $5, $7, $8, $10, $11 }'
  sync; sleep 3
}

if [ ${#node_counts[@]} -gt 0 ]; then
  src_spread=spread-${size}b
  say "Pre-loading $records records of $size B into A/$src_spread ($partitions partitions) with ProducerPerformance"
  "$kbench" create --brokers "$bootstrap_a" --topic "$src_spread" --partitions "$partitions"
  note_cmd "${pp[@]}" --topic "$src_spread" --num-records "$records" --record-size "$size" --throughput -1 \
    --producer-props bootstrap.servers="$bootstrap_a" acks=all enable.idempotence=true linger.ms=20 batch.size=1000000
  "${pp[@]}" --topic "$src_spread" --num-records "$records" --record-size "$size" --throughput -1 \
    --producer-props bootstrap.servers="$bootstrap_a" acks=all enable.idempotence=true linger.ms=20 batch.size=1000000 \
    >"$out/logs/preload-spread.log" 2>&1
  tail -n1 "$out/logs/preload-spread.log"
  "$kbench" offsets --brokers "$bootstrap_a" --topic "$src_spread" >"$out/work/expect-spread.txt"
  total=$(awk '{ s += $2 } END { print s }' "$out/work/expect-spread.txt")
  [ "$total" = "$records" ] || { echo "cluster bench: A/$src_spread holds $total records, expected $records" >&2; exit 1; }
  "$kbench" digest --brokers "$bootstrap_a" --topic "$src_spread" >"$out/work/digest-spread.txt"
  sync; sleep 3
  for ((round = 1; round <= repeat; round++)); do
    for n in "${node_counts[@]}"; do run_spread "$n"; done
  done
fi

# ---------------------------------------------------------------- failover
printf 'case\tvictim\tvictim_partitions_by_node\tmoved_by_probe\tfirst_record_s\tall_moved_s\tnot_resumed\tother_stalls\tother_stall_max_s\tsource_records\ttarget_records\tduplicates\tcomplete\tsurvivor_partitions\trun\tloadavg1_before_kill\n' >"$out/failover.tsv"

# mm2_owned LOG: "TASK_COUNT PARTITIONS" of the MirrorSourceConnector tasks LOG shows running
# (created and not stopped since), PARTITIONS from each task's "replicating ..." line.
mm2_owned() {
  awk '
    match($0, /Creating task MirrorSourceConnector-[0-9]+/) { id = substr($0, RSTART + 36, RLENGTH - 36); own[id] = 1 }
    match($0, /Stopping task MirrorSourceConnector-[0-9]+/) { id = substr($0, RSTART + 36, RLENGTH - 36); own[id] = 0 }
    match($0, /task-thread-MirrorSourceConnector-[0-9]+ replicating/) {
      id = substr($0, RSTART + 34, RLENGTH - 46)
      if (match($0, /: \[[^]]*\]/)) { l = substr($0, RSTART + 3, RLENGTH - 4); gsub(/ /, "", l); tp[id] = l }
    }
    END {
      n = 0; ps = ""
      for (id in own) if (own[id]) {
        n++
        k = split(tp[id], a, ",")
        for (i = 1; i <= k; i++) { p = a[i]; if (topic != "" && index(p, topic "-") != 1) continue; sub(/^.*-/, "", p); ps = ps (ps == "" ? "" : ",") p }
      }
      printf "%d %s\n", n, (ps == "" ? "-" : ps)
    }' topic="${2:-}" "$1" 2>/dev/null
}
sort_list() { tr ',' '\n' | grep -v '^-*$' | sort -n | paste -sd, -; }

run_failover() { # run_failover CASE
  local c=$1 tag s t src tgt cfg i probe load probe_timeout victim victim_i="" owned="" ready=0 sig last_sig=""
  local stable_since=0 deadline k leader
  run_no=$((run_no + 1))
  tag=$run_no-failover-$c s=A$run_no t=B$run_no src=fo-$run_no tgt=A$run_no.fo-$run_no
  case $c in
    kmirror) probe_timeout=180 ;;
    kmirror-s10) probe_timeout=120 ;;
    mm2-d10s) probe_timeout=240 ;;
    mm2) probe_timeout=600 ;;
    *) echo "cluster bench: unknown failover case $c" >&2; return 1 ;;
  esac
  say "failover: $c, 3 nodes, $rate records/s of $size B over $partitions partitions (run $run_no)"
  "$kbench" create --brokers "$bootstrap_a" --topic "$src" --partitions "$partitions"
  start_bg "$out/logs/$tag-load.log" "$kbench" produce --brokers "$bootstrap_a" --topic "$src" \
    --records $((rate * 3600)) --size "$size" --rate "$rate" --round-robin 1 --linger-ms 5
  load=$bg_pid
  node_pids=() node_logs=()
  if [[ $c == kmirror* ]]; then
    cfg=$out/configs/$tag.properties
    write_config "$cfg" "$c" "$s" "$t" "$src"
    start_kmirror_nodes "$tag" "$cfg" 3
    kmirror_ports
  else
    node_rest=()
    for i in 1 2 3; do
      cfg=$out/configs/$tag-n$i.properties
      write_config "$cfg" "$c" "$s" "$t" "$src"
      node_rest+=("$(free_port)")
      echo "listeners = http://127.0.0.1:${node_rest[-1]}" >>"$cfg"
      start_bg "$out/logs/$tag-n$i.log" "${mm2[@]}" "$cfg"
      node_pids+=("$bg_pid")
      node_logs+=("$out/logs/$tag-n$i.log")
    done
  fi
  start_bg "$out/logs/$tag-probe.log" "$kbench" failover --brokers "$bootstrap_b" --topic "$tgt" --partitions "$partitions" \
    --mark-file "$out/work/$tag.kill" --ready-file "$out/work/$tag.ready" --gap-ms "$gap_ms" --timeout "$probe_timeout"
  probe=$bg_pid
  # Ready: every partition arrives on B, every node owns partitions (kmirror: its assignment
  # gauge; MM2: running source tasks in its log), and that ownership has not changed for
  # CLUSTER_SETTLE s.
  deadline=$((SECONDS + 420))
  while [ $SECONDS -lt $deadline ]; do
    sig=""
    ready=1
    [ -f "$out/work/$tag.ready" ] || ready=0
    for ((i = 0; i < 3; i++)); do
      kill -0 "${node_pids[$i]}" 2>/dev/null || { echo "cluster bench: node n$((i + 1)) of $c exited" >&2; tail -n 20 "${node_logs[$i]}" >&2; ready=0; break 2; }
      if [[ $c == kmirror* ]]; then
        k=$(scrape "${node_metrics[$i]}" | metric_sum kmirror_partitions_assigned "$s->$t")
      else
        k=$(mm2_owned "${node_logs[$i]}" | cut -d' ' -f1)
      fi
      [ "${k:-0}" -gt 0 ] || ready=0
      sig+="${sig:+/}${k:-0}"
    done
    # >=: the flows also mirror the source's heartbeats topic (one partition more)
    [ "$(echo "$sig" | tr '/' '\n' | awk '{ s += $1 } END { print s }')" -ge "$partitions" ] || ready=0
    if [ $ready = 1 ] && [ "$sig" = "$last_sig" ]; then
      [ $((SECONDS - stable_since)) -ge "$settle_s" ] && break
    else
      stable_since=$SECONDS
    fi
    last_sig=$sig
    [ $ready = 1 ] || stable_since=$SECONDS
    sleep 1
  done
  if [ $ready != 1 ]; then
    echo "cluster bench: $c not ready within 420 s (ownership $sig)" >&2
    printf '%s\t-\t-\t-\t-1\t-1\t-\t-\t-\t-\t-\t-\tNOT_READY(%s)\t-\t%s\n' "$c" "$sig" "$run_no" >>"$out/failover.tsv"
    stop_pids 5 "$probe" "$load"
    stop_pids 30 "${node_pids[@]}"
    return
  fi
  say "  ready: partitions (kmirror) or source tasks (MM2) per node $sig"
  # The victim and what it owns, read from itself just before the kill.
  if [[ $c == kmirror* ]]; then
    victim_i=1
    local m1 m2
    m1=$(scrape "${node_metrics[1]}" | per_partition kmirror_records_mirrored_total "$s->$t" "$src")
    sleep 2
    m2=$(scrape "${node_metrics[1]}" | per_partition kmirror_records_mirrored_total "$s->$t" "$src")
    owned=$(join <(echo "$m1" | sort -k1,1) <(echo "$m2" | sort -k1,1) 2>/dev/null | awk '$3 > $2 { print $1 }' | paste -sd, - | sort_list)
  else
    # A worker that is not the leader: the leader's URL is in every worker's join line.
    leader=$(grep -h "clientId=$s->$t, .*Joined group" "${node_logs[@]}" | sed -n "s/.*leaderUrl='http:\/\/127.0.0.1:\([0-9]*\)\/'.*/\1/p" | tail -n1)
    for i in 1 2 0; do
      if [ "${node_rest[$i]}" != "$leader" ]; then victim_i=$i; break; fi
    done
    owned=$(mm2_owned "${node_logs[$victim_i]}" "$src" | cut -d' ' -f2 | sort_list)
  fi
  victim=n$((victim_i + 1))
  local load1
  load1=$(cut -d' ' -f1 /proc/loadavg)
  k=$(now_ms)
  echo "$k" >"$out/work/$tag.kill"
  kill -KILL "${node_pids[$victim_i]}"
  say "  kill -9 $victim (pid ${node_pids[$victim_i]}) at $(date -u -d @"$((k / 1000))" +%H:%M:%S); it owned partitions ${owned:-?}"
  wait "$probe" 2>/dev/null || true
  cp "$out/logs/$tag-probe.log" "$out/work/$tag.probe"
  local surv=""
  if [[ $c == kmirror* ]]; then
    for i in 0 1 2; do
      [ "$i" = "$victim_i" ] && continue
      surv+="${surv:+/}$(scrape "${node_metrics[$i]}" | metric_sum kmirror_partitions_assigned "$s->$t")"
    done
  else
    for i in 0 1 2; do
      [ "$i" = "$victim_i" ] && continue
      surv+="${surv:+/}$(mm2_owned "${node_logs[$i]}" | cut -d' ' -f1)"
    done
  fi
  stop_pids 10 "$load"
  if [[ $c == mm2* ]]; then  # what Connect's workers really ran with (their config dump)
    echo "$tag: $(grep -ho 'scheduled.rebalance.max.delay.ms = [0-9]*' "${node_logs[0]}" | sort -u | paste -sd, -)," \
      "$(grep -ho ' session.timeout.ms = [0-9]*' "${node_logs[0]}" | sort -u | paste -sd, -) (worker group; consumers' as listed)," \
      "A->B group leader port $leader, victim's REST port ${node_rest[$victim_i]}" \
      >>"$out/effective-settings.txt"
  fi
  # Complete: B holds at least every record of A in every partition (the copy catches up).
  "$kbench" offsets --brokers "$bootstrap_a" --topic "$src" >"$out/work/$tag.expect"
  "$kbench" watch --brokers "$bootstrap_b" --topic "$tgt" --expect "$out/work/$tag.expect" --timeout 180 \
    >"$out/work/$tag.watch" || true
  local src_n tgt_n complete
  src_n=$(awk '{ s += $2 } END { print s }' "$out/work/$tag.expect")
  tgt_n=$(get records "$out/work/$tag.watch")
  complete=$(get complete "$out/work/$tag.watch")
  stop_pids 30 "${node_pids[@]}"
  local p=$out/work/$tag.probe
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$victim" "${owned:--}" "$(get moved "$p")" \
    "$(get first_record_s "$p")" "$(get all_moved_s "$p")" "$(get not_resumed "$p")" "$(get other_stalls "$p")" \
    "$(get other_stall_max_s "$p")" "$src_n" "$tgt_n" "$((tgt_n - src_n))" "$([ "$complete" = 1 ] && echo yes || echo NO)" \
    "$surv" "$run_no" "$load1" | tee -a "$out/failover.tsv" |
    awk -F'\t' '{ printf "  moved %s (victim owned %s); first record %s s after the kill, every moved partition %s s; other stalls %s (max %s s); %s source records, %s on B (%s duplicates), complete %s; survivors own %s\n", $4, $3, $5, $6, $8, $9, $10, $11, $12, $13, $14 }'
  "$kbench" delete --brokers "$bootstrap_b" --topic "$tgt" 2>/dev/null || true
  "$kbench" delete --brokers "$bootstrap_a" --topic "$src" 2>/dev/null || true
  sync; sleep 3
}

for c in "${fo_cases[@]}"; do run_failover "$c"; done

# ---------------------------------------------------------------- report
say "Writing $out/results.md"
bench/cluster-report.sh "$out" "$records" "$size" "$partitions" "$rate" "$gap_ms" "$session_ms" "$mm2_delay_ms" "$settle_s"
rm -f "$out/work/"*.digest
say "Done: $out/results.md"
