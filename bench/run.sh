#!/usr/bin/env bash
# kmirror vs MirrorMaker 2, one run, same clusters, same data (issue #5).
#
#   bench/run.sh                       # 2,000,000 records of 1 KiB and of 100 B, 8 partitions
#   BENCH_QUICK=1 bench/run.sh         # smoke run: 50,000 records, short latency phase
#
# Installs what scripts/install-deps.sh installs (plus gnuplot for the chart, optional),
# builds kmirror and the bench tools (bench/kbench.cpp), fetches Kafka 3.8.1 and MM2 3.8.1
# jars from Maven Central (cached), starts two single-broker KRaft clusters A and B on free
# ports (scripts/kafka-cluster.sh), then, one contender at a time:
#
#   drain    a backlog of BENCH_RECORDS records per size in BENCH_SIZES, pre-loaded once into
#            A by Kafka's ProducerPerformance, copied to a fresh topic on B by each contender;
#            timed until B holds every record, then verified record by record (count and an
#            order-sensitive hash of timestamp, key and value per partition)
#   latency  a fixed offered load (BENCH_LATENCY_FRACTION of MM2 tuned's drain rate) produced
#            into A while the contender runs; a probe on B measures arrival - record timestamp
#
# Contenders: ceiling-java (ProducerPerformance straight into B), ceiling-rdkafka (a
# librdkafka producer straight into B), ceiling-read (a librdkafka consumer reading A's
# backlog, writing nothing), kmirror (defaults, on the plain MM2 file),
# kmirror-mm2tuned (kmirror on the tuned MM2 file), mm2-shipped, mm2-tuned, loop (a minimal
# librdkafka consume->produce loop), kmirror-alt (the plain file run by the command in
# BENCH_ALT_KMIRROR: another build or environment, compared in the same run). Everything ends
# on exit, Ctrl-C or failure.
#
# Results: bench/results/<timestamp>/ results.md (tables, ratios, versions, commands),
# results.png (chart, if gnuplot is there), drain-runs.tsv (every drain), drain.tsv (medians),
# latency.tsv, configs/, logs/, perf-kmirror.txt (with BENCH_PERF=1).
#
# Environment (defaults in brackets):
#   BENCH_RECORDS [2000000]  BENCH_SIZES ["1024 100"; "" skips the drains]  BENCH_PARTITIONS [8]
#   BENCH_CONTENDERS ["ceiling-java ceiling-rdkafka ceiling-read kmirror kmirror-mm2tuned mm2-shipped mm2-tuned loop"]
#   BENCH_LATENCY_CONTENDERS ["direct kmirror mm2-shipped mm2-tuned loop"] (direct: the probe
#     reads A itself: producer + broker + consumer, no replicator; "" skips the phase)
#   BENCH_LATENCY_SIZE [first of BENCH_SIZES]  BENCH_LATENCY_SECONDS [30]  BENCH_LATENCY_WARMUP [5]
#   BENCH_LATENCY_FRACTION [0.5]  BENCH_LATENCY_RATE [derived; fallback 5000 records/s]
#   BENCH_LATENCY_LOAD [rdkafka: `kbench produce --rate`, a steady librdkafka producer, acks=all,
#     linger 5 ms (librdkafka's default); java: ProducerPerformance --throughput, a JVM more on the 2 cores]
#   BENCH_REPEAT [3; BENCH_QUICK: 1] drains per contender and workload, in rounds (every contender
#     once, then again); the tables show medians and the records/s range
#   BENCH_TIMEOUT [300 s per drain]  BENCH_MM2_HEAP [1G]  BENCH_BROKER_HEAP [512m]
#   BENCH_PERF [0; 1: one more kmirror drain under `perf record`, flat profile in perf-kmirror.txt, summed over threads in perf-kmirror-symbols.txt]
#   BENCH_OUT [bench/results/<timestamp>]  BENCH_NO_CHART [0]
#   BENCH_ALT_KMIRROR [""; for the kmirror-alt contender: a command line ending in a kmirror
#     binary, e.g. "env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /tmp/old/kmirror";
#     copied like build/src/kmirror is when its last word is a file]
#   BENCH_ALT_EXTRA_CONFIG [""; lines added to kmirror-alt's properties file only, "\n"-separated;
#     {S} and {T} stand for the run's source and target aliases, e.g. '{T}.producer.linger.ms = 50']
#   BENCH_EXTRA_CONFIG [""; lines added to every MM2/kmirror properties file, "\n"-separated,
#     for experiments, e.g. 'api.listen =\nemit.checkpoints.enabled = false']
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ "${BENCH_QUICK:-0}" = 1 ]; then
  d_records=50000 d_lat_s=10 d_warm=3 d_repeat=1
else
  d_records=2000000 d_lat_s=30 d_warm=5 d_repeat=3
fi
records=${BENCH_RECORDS:-$d_records}
repeat=${BENCH_REPEAT:-$d_repeat}
read -r -a sizes <<<"${BENCH_SIZES-1024 100}"  # "" skips the drains (then set BENCH_LATENCY_RATE)
partitions=${BENCH_PARTITIONS:-8}
read -r -a contenders <<<"${BENCH_CONTENDERS-ceiling-java ceiling-rdkafka ceiling-read kmirror kmirror-mm2tuned mm2-shipped mm2-tuned loop}"
read -r -a lat_contenders <<<"${BENCH_LATENCY_CONTENDERS-direct kmirror mm2-shipped mm2-tuned loop}"
lat_size=${BENCH_LATENCY_SIZE:-${sizes[0]:-1024}}
lat_seconds=${BENCH_LATENCY_SECONDS:-$d_lat_s}
lat_warmup=${BENCH_LATENCY_WARMUP:-$d_warm}
lat_fraction=${BENCH_LATENCY_FRACTION:-0.5}
lat_load=${BENCH_LATENCY_LOAD:-rdkafka}
drain_timeout=${BENCH_TIMEOUT:-300}
mm2_heap=${BENCH_MM2_HEAP:-1G}
export KAFKA_HEAP=${BENCH_BROKER_HEAP:-512m}
# The brokers run with Kafka's production default for the first rebalance of a new group
# (the test harness's template sets 0 to make tests fast): with 0, kmirror's tasks join one by
# one and the first rebalance lands in the middle of a short drain. A drained copy's topic is
# deleted after it was verified, and its files 1 s later, inside the pause between drains,
# instead of Kafka's 60 s later, in the middle of the next contender's drain.
export KAFKA_BROKER_PROPERTIES="group.initial.rebalance.delay.ms=3000
file.delete.delay.ms=1000"
stamp=$(date +%Y%m%d-%H%M%S)
out=${BENCH_OUT:-bench/results/$stamp}
mkdir -p "$out"/{configs,logs,work}
out=$(cd "$out" && pwd)
export KMIRROR_RUN_DIR=/tmp/kmirror-bench.$$
commands=$out/commands.txt
: >"$commands"

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"  # say, note_cmd, cleanup, start_bg, stop_pid, get, proc_cpu
bench_begin "bench" 10 2000000
sys_cpu() { # busy CPU seconds of the whole machine since boot
  awk -v t="$(getconf CLK_TCK)" '/^cpu / { print ($2 + $3 + $4 + $7 + $8 + $9) / t }' /proc/stat
}

# ---------------------------------------------------------------- install, build, fetch
say "Installing missing packages (scripts/install-deps.sh)"
scripts/install-deps.sh
if [ "${BENCH_NO_CHART:-0}" != 1 ] && ! command -v gnuplot >/dev/null 2>&1; then
  say "Installing gnuplot-nox for the chart (optional)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gnuplot-nox; } >/dev/null 2>&1 ||
    echo "bench: gnuplot could not be installed; results.md only" >&2
fi

say "Building kmirror (RelWithDebInfo) and bench/kbench.cpp"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target kmirror
# A private copy: a rebuild of build/ during the run must not change the binary under test.
mkdir -p "$KMIRROR_RUN_DIR"
cp build/src/kmirror "$KMIRROR_RUN_DIR/kmirror"
kmirror=$KMIRROR_RUN_DIR/kmirror
read -r -a kmirror_alt <<<"${BENCH_ALT_KMIRROR:-}"
if [ ${#kmirror_alt[@]} -gt 0 ] && [ -f "${kmirror_alt[-1]}" ]; then
  cp "${kmirror_alt[-1]}" "$KMIRROR_RUN_DIR/kmirror-alt"
  kmirror_alt[-1]=$KMIRROR_RUN_DIR/kmirror-alt
fi
mkdir -p build/bench
kbench=$root/build/bench/kbench
if [ ! -x "$kbench" ] || [ bench/kbench.cpp -nt "$kbench" ]; then
  # shellcheck disable=SC2046
  g++ -std=c++20 -O2 -Wall -o "$kbench" bench/kbench.cpp $(pkg-config --cflags --libs rdkafka) -pthread
fi

say "Fetching Kafka 3.8.1 and MirrorMaker 2 3.8.1 jars (cached in ~/.cache/kmirror)"
libs=$(scripts/fetch-kafka.sh --with-mm2)
mm2_libs=${KMIRROR_CACHE:-$HOME/.cache/kmirror}/mm2-3.8.1/libs
[ -f "$mm2_libs/connect-mirror-3.8.1.jar" ] || { echo "bench: MM2 jars missing in $mm2_libs" >&2; exit 1; }
export KMIRROR_KAFKA_LIBS=$libs

# The JVM flags of Kafka's bin/kafka-run-class.sh (KAFKA_JVM_PERFORMANCE_OPTS, JMX on).
jvm_perf=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
          -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true
          -Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false
          -Dcom.sun.management.jmxremote.ssl=false)
# bin/kafka-producer-perf-test.sh: -Xmx512M.
pp=(java -Xmx512M "${jvm_perf[@]}" -Dlog4j.configuration=file:"$root/deploy/log4j-tools.properties"
    -cp "$libs/*" org.apache.kafka.tools.ProducerPerformance)
# bin/connect-mirror-maker.sh: -Xms256M -Xmx2G; capped at BENCH_MM2_HEAP (1G) here.
mm2=(java -Xms256M -Xmx"$mm2_heap" "${jvm_perf[@]}" -Dlog4j.configuration=file:"$root/bench/mm2-log4j.properties"
     -cp "$mm2_libs/*" org.apache.kafka.connect.mirror.MirrorMaker)
# kmirror's producer settings, also used by the librdkafka ceiling and the loop.
pp_fast=(acks=all enable.idempotence=true linger.ms=20 batch.size=1000000)

# ---------------------------------------------------------------- versions
{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "kafka=3.8.1 (brokers, MirrorMaker 2 connect-mirror, ProducerPerformance)"
  echo "kmirror=$("$kmirror" --version 2>/dev/null | head -n1) git $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src include 2>/dev/null || echo '+local changes')"
  echo "librdkafka=$("$kbench" version)"
  echo "gcc=$(gcc -dumpfullversion) ($(gcc --version | head -n1))"
  echo "java=$(java -version 2>&1 | head -n1)"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores"
  echo "ram=$(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "kernel=$(uname -r)"
  machine_busy
} >"$out/versions.txt"
grep machine_busy "$out/versions.txt"

# ---------------------------------------------------------------- clusters
start_clusters "$out/work"

# write_config FILE VARIANT SOURCE_ALIAS TARGET_ALIAS TOPIC: an MM2 file; kmirror reads it as is.
# Fresh aliases per run give every run a fresh remote topic and fresh MM2 internal topics.
write_config() {
  local f=$1 variant=$2 s=$3 t=$4 topic=$5 k
  {
    echo "# MirrorMaker 2 ($variant) configuration for one benchmark run; kmirror reads the same file."
    echo "clusters = $s, $t"
    echo "$s.bootstrap.servers = $bootstrap_a"
    echo "$t.bootstrap.servers = $bootstrap_b"
    [ -n "${BENCH_EXTRA_CONFIG:-}" ] && printf "%b\n" "$BENCH_EXTRA_CONFIG"
    echo "$s->$t.enabled = true"
    echo "$s->$t.topics = $topic"
    echo "# single-broker clusters"
    echo "replication.factor = 1"
    for k in checkpoints.topic heartbeats.topic offset-syncs.topic offset.storage status.storage config.storage; do
      echo "$k.replication.factor = 1"
    done
    if [ "$variant" = tuned ]; then
      echo "# tuned: one task per partition, idempotent producer with 5 requests in flight"
      echo "# (Connect's default for source tasks is acks=all, no idempotence, 1 in flight),"
      echo "# large batches and linger, larger fetches and polls"
      echo "tasks.max = $partitions"
      echo "$t.producer.enable.idempotence = true"
      echo "$t.producer.acks = all"
      echo "$t.producer.max.in.flight.requests.per.connection = 5"
      echo "$t.producer.batch.size = 1048576"
      echo "$t.producer.linger.ms = 20"
      echo "$s.consumer.max.poll.records = 2000"
      echo "$s.consumer.max.partition.fetch.bytes = 4194304"
    fi
  } >"$f"
}

run_no=0
# launch CONTENDER SRC_TOPIC SIZE COUNT: starts the contender; sets tgt (topic on B),
# bg_pid, cfg. Ceilings write COUNT records of SIZE bytes themselves.
launch() {
  local c=$1 src=$2 size=$3 count=$4 log=$5
  cfg=""
  case $c in
    ceiling-java)
      tgt=ceiling-java-$run_no
      "$kbench" create --brokers "$bootstrap_b" --topic "$tgt" --partitions "$partitions"
      start_bg "$log" "${pp[@]}" --topic "$tgt" --num-records "$count" --record-size "$size" --throughput -1 \
        --producer-props bootstrap.servers="$bootstrap_b" "${pp_fast[@]}" ;;
    ceiling-rdkafka)
      tgt=ceiling-rdkafka-$run_no
      "$kbench" create --brokers "$bootstrap_b" --topic "$tgt" --partitions "$partitions"
      start_bg "$log" "$kbench" produce --brokers "$bootstrap_b" --topic "$tgt" --records "$count" --size "$size" ;;
    loop)
      tgt=loop-$run_no
      "$kbench" create --brokers "$bootstrap_b" --topic "$tgt" --partitions "$partitions"
      start_bg "$log" "$kbench" loop --from "$bootstrap_a" --topic "$src" --to "$bootstrap_b" --target "$tgt" ;;
    kmirror | kmirror-alt | kmirror-mm2tuned | mm2-shipped | mm2-tuned)
      local variant=shipped
      [[ $c == *tuned ]] && variant=tuned
      cfg=$out/configs/$run_no-$c.properties
      write_config "$cfg" "$variant" "A$run_no" "B$run_no" "$src"
      tgt=A$run_no.$src
      if [[ $c == kmirror* ]]; then
        # Its own working directory per run: a fresh offset index (kmirror-data/) each time.
        mkdir -p "$KMIRROR_RUN_DIR/k$run_no"
        if [ $c = kmirror-alt ]; then
          [ ${#kmirror_alt[@]} -gt 0 ] || { echo "bench: kmirror-alt needs BENCH_ALT_KMIRROR" >&2; return 1; }
          [ -n "${BENCH_ALT_EXTRA_CONFIG:-}" ] &&
            printf "%b\n" "$BENCH_ALT_EXTRA_CONFIG" | sed "s/{S}/A$run_no/g; s/{T}/B$run_no/g" >>"$cfg"
          start_bg "$log" env -C "$KMIRROR_RUN_DIR/k$run_no" "${kmirror_alt[@]}" run --config "$(realpath "$cfg")"
        else
          start_bg "$log" env -C "$KMIRROR_RUN_DIR/k$run_no" "$kmirror" run --config "$(realpath "$cfg")"
        fi
      else
        start_bg "$log" "${mm2[@]}" "$cfg"
      fi ;;
    *) echo "bench: unknown contender $c" >&2; return 1 ;;
  esac
}

settle() { sync; sleep 3; }

# ---------------------------------------------------------------- drain
drain_header='workload\tcontender\tsize\trecords\tfirst_s\tdone_s\tdrain_rps\ttotal_rps\tdrain_MBps\tcpu_s\tcpu_drain_s\tcpu_s_per_GB\tpeak_rss_MiB\tbroker_cpu_s\tverified\tother_cpu_s'
printf "$drain_header\\trun\\n" >"$out/drain-runs.tsv"

run_drain() { # run_drain CONTENDER SIZE [perf]
  local c=$1 size=$2 perf=${3:-0}
  local src=bench-${size}b wl=drain-${size}B
  run_no=$((run_no + 1))
  local tag=$run_no-$c-$wl
  say "drain ${size} B: $c (run $run_no)"
  local log=$out/logs/$tag.log watch=$out/work/$tag.watch expect_args verified
  case $c in
    ceiling-*) expect_args=(--expect-total "$records") ;;
    *) expect_args=(--expect "$out/work/expect-$size.txt") ;;
  esac
  local t0; t0=$(date +%s%N)
  if [ "$c" = ceiling-read ]; then
    # The source-read ceiling measures itself: one consumer reads A's backlog, writes nothing.
    note_cmd "$kbench" read --brokers "$bootstrap_a" --topic "$src" --t0-ns "$t0" --broker-pids "$pid_a,$pid_b"
    "$kbench" read --brokers "$bootstrap_a" --topic "$src" --t0-ns "$t0" --broker-pids "$pid_a,$pid_b" \
      --timeout "$drain_timeout" >"$watch" 2>"$log" || true
    if [ "$(get complete "$watch")" = 1 ] && [ "$(get records "$watch")" = "$records" ]; then
      verified="yes(count)"
    else
      verified="NO(count $(get records "$watch"))"
    fi
    record_drain "$c" "$size" "$wl" "$watch" "$verified"
    return
  fi
  launch "$c" "$src" "$size" "$records" "$log"
  local pid=$bg_pid perf_pid=""
  if [ "$perf" = 1 ]; then
    # perf follows the threads that exist when it attaches: wait for kmirror's clients.
    for ((i = 0; i < 100; i++)); do
      [ "$(ls "/proc/$pid/task" 2>/dev/null | wc -l)" -ge 20 ] && break
      sleep 0.1
    done
    perf record -e cpu-clock -F 999 -o "$out/work/perf-kmirror.data" -p "$pid" >"$out/logs/perf-record.log" 2>&1 &
    perf_pid=$!
    pids+=("$perf_pid")
  fi
  note_cmd "$kbench" watch --brokers "$bootstrap_b" --topic "$tgt" "${expect_args[@]}" --pid "$pid" --t0-ns "$t0"
  "$kbench" watch --brokers "$bootstrap_b" --topic "$tgt" "${expect_args[@]}" --pid "$pid" --t0-ns "$t0" \
    --broker-pids "$pid_a,$pid_b" --timeout "$drain_timeout" >"$watch" || true
  [ -n "$perf_pid" ] && { kill -INT "$perf_pid" 2>/dev/null; wait "$perf_pid" 2>/dev/null || true; }
  stop_pid "$pid" 30
  if [ "$(get complete "$watch")" != 1 ]; then
    verified="INCOMPLETE($(get records "$watch")/$records)"
  else
    case $c in
      ceiling-*)
        if [ "$(get records "$watch")" = "$records" ]; then verified="yes(count)"; else verified="NO(count $(get records "$watch"))"; fi ;;
      *)
        "$kbench" digest --brokers "$bootstrap_b" --topic "$tgt" >"$out/work/$tag.digest" 2>>"$log" || true
        if cmp -s "$out/work/$tag.digest" "$out/work/digest-A-$size.txt"; then verified=yes; else verified=NO; fi ;;
    esac
  fi
  "$kbench" delete --brokers "$bootstrap_b" --topic "$tgt" 2>>"$log" || true
  if [ "$perf" = 1 ]; then
    perf report -i "$out/work/perf-kmirror.data" --stdio --no-children --sort comm,dso,symbol --percent-limit 0.7 \
      >"$out/perf-kmirror.txt" 2>/dev/null || true
    perf report -i "$out/work/perf-kmirror.data" --stdio --no-children --sort pid --percent-limit 0.5 \
      >"$out/perf-kmirror-threads.txt" 2>/dev/null || true
    # The same samples summed over threads: where a record's CPU goes, whichever thread spends it.
    perf report -i "$out/work/perf-kmirror.data" --stdio --no-children --sort dso,symbol --percent-limit 0.3 \
      >"$out/perf-kmirror-symbols.txt" 2>/dev/null || true
    rm -f "$out/work/perf-kmirror.data"
    say "  perf profile: $out/perf-kmirror.txt ($(get done_s "$watch") s to drain under perf, not in the tables)"
    settle
    return
  fi
  record_drain "$c" "$size" "$wl" "$watch" "$verified"
}

# record_drain CONTENDER SIZE WORKLOAD WATCH_FILE VERIFIED: one row of drain-runs.tsv.
record_drain() {
  local c=$1 size=$2 wl=$3 watch=$4 verified=$5
  awk -v wl="$wl" -v c="$c" -v size="$size" -v n="$records" -v v="$verified" -v run="$run_no" \
      -v first="$(get first_s "$watch")" -v done="$(get done_s "$watch")" -v cpu="$(get cpu_done_s "$watch")" \
      -v cpu1="$(get cpu_first_s "$watch")" -v rss="$(get peak_rss_kb "$watch")" -v bcpu="$(get broker_cpu_total_s "$watch")" -v other="$(get other_cpu_s "$watch")" \
      'BEGIN {
         ok = (done > 0 && first >= 0);
         d = done - first; if (d < 0.05) d = 0.05;  # all within one 50 ms poll
         gb = n * size / 1e9;
         printf "%s\t%s\t%d\t%d\t%.2f\t%.2f\t%.0f\t%.0f\t%.1f\t%.2f\t%.2f\t%.2f\t%.1f\t%.2f\t%s\t%.2f\t%d\n", wl, c, size, n, first,
                (ok ? done : -1), (ok ? n / d : 0), (ok ? n / done : 0), (ok ? n * size / d / 1e6 : 0), cpu, cpu - cpu1,
                (ok ? cpu / gb : 0), rss / 1024, bcpu, v, other, run }' | tee -a "$out/drain-runs.tsv" |
    awk -F'\t' '{ printf "  first record %.1f s, all %s s, %s rec/s (%s MB/s), CPU %s s (%s s/GB), peak RSS %s MiB, brokers %s s, others %s s, verified %s\n", $5, $6, $7, $9, $10, $12, $13, $14, $16, $15 }'
  settle
}

for size in "${sizes[@]}"; do
  src=bench-${size}b
  say "Pre-loading $records records of $size B into A/$src ($partitions partitions) with ProducerPerformance"
  "$kbench" create --brokers "$bootstrap_a" --topic "$src" --partitions "$partitions"
  note_cmd "${pp[@]}" --topic "$src" --num-records "$records" --record-size "$size" --throughput -1 \
    --producer-props bootstrap.servers="$bootstrap_a" "${pp_fast[@]}"
  "${pp[@]}" --topic "$src" --num-records "$records" --record-size "$size" --throughput -1 \
    --producer-props bootstrap.servers="$bootstrap_a" "${pp_fast[@]}" >"$out/logs/preload-$size.log" 2>&1
  tail -n1 "$out/logs/preload-$size.log"
  "$kbench" offsets --brokers "$bootstrap_a" --topic "$src" >"$out/work/expect-$size.txt"
  total=$(awk '{ s += $2 } END { print s }' "$out/work/expect-$size.txt")
  [ "$total" = "$records" ] || { echo "bench: A/$src holds $total records, expected $records" >&2; exit 1; }
  "$kbench" digest --brokers "$bootstrap_a" --topic "$src" >"$out/work/digest-A-$size.txt"
  settle
  # Warm-up, not recorded: the brokers' JIT and page cache make the first drains after a
  # start up to 2x slower for whoever comes first (seen in run 20261202-075914).
  say "warm-up: one unrecorded drain into B at $size B"
  "$kbench" create --brokers "$bootstrap_b" --topic "warmup-$size" --partitions "$partitions"
  "$kbench" produce --brokers "$bootstrap_b" --topic "warmup-$size" --records "$records" --size "$size" >/dev/null
  "$kbench" loop --from "$bootstrap_a" --topic "$src" --to "$bootstrap_b" --target "warmup-$size" >/dev/null 2>&1 &
  warm_pid=$!
  pids+=("$warm_pid")
  "$kbench" watch --brokers "$bootstrap_b" --topic "warmup-$size" --expect-total $((2 * records)) --pid "$warm_pid" \
    --t0-ns "$(date +%s%N)" --timeout "$drain_timeout" >/dev/null || true
  stop_pid "$warm_pid" 30
  "$kbench" delete --brokers "$bootstrap_b" --topic "warmup-$size" || true
  settle
  for ((round = 1; round <= repeat; round++)); do
    for c in "${contenders[@]}"; do
      run_drain "$c" "$size"
    done
  done
  if [ "${BENCH_PERF:-0}" = 1 ] && [ "$size" = "${sizes[0]}" ]; then
    run_drain kmirror "$size" 1
  fi
done

# One row per workload and contender: the median of each column over the repetitions (each
# column on its own), verified only if every repetition was; min and max records/s.
printf "$drain_header\\truns\\tmin_rps\\tmax_rps\\n" >"$out/drain.tsv"
awk -F'\t' '
  function median(key, col,   n, i, j, a, t) {
    n = split(vals[key, col], a, " ")
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  NR == 1 { next }
  {
    key = $1 "\t" $2
    if (!(key in seen)) { seen[key] = 1; order[++nk] = key; size[key] = $3; recs[key] = $4; ver[key] = $15 }
    runs[key]++
    if ($15 !~ /^yes/) ver[key] = $15
    for (c = 5; c <= 16; c++) if (c != 15) vals[key, c] = vals[key, c] " " $c
    if (!(key in lo) || $7 + 0 < lo[key]) lo[key] = $7 + 0
    if (!(key in hi) || $7 + 0 > hi[key]) hi[key] = $7 + 0
  }
  END {
    for (k = 1; k <= nk; k++) {
      key = order[k]
      printf "%s\t%d\t%d", key, size[key], recs[key]
      for (c = 5; c <= 14; c++) printf "\t%s", median(key, c)
      printf "\t%s\t%s\t%d\t%d\t%d\n", ver[key], median(key, 16), runs[key], lo[key], hi[key]
    }
  }' "$out/drain-runs.tsv" >>"$out/drain.tsv"

# ---------------------------------------------------------------- latency
printf 'contender\tsize\toffered_rps\tseconds\treceived\texpected\tp50_ms\tp90_ms\tp99_ms\tp999_ms\tmax_ms\tcpu_pct\tbrokers_cpu_pct\tother_cpu_pct\n' >"$out/latency.tsv"
lat_rate=${BENCH_LATENCY_RATE:-}
if [ -z "$lat_rate" ]; then
  lat_rate=$(awk -F'\t' -v wl="drain-${lat_size}B" -v f="$lat_fraction" \
    '$1 == wl && $2 == "mm2-tuned" && $15 == "yes" { printf "%d", $7 * f }' "$out/drain.tsv")
  [ -n "$lat_rate" ] && [ "$lat_rate" -gt 0 ] || lat_rate=5000
fi
lat_records=$((lat_rate * lat_seconds))

run_latency() { # run_latency CONTENDER
  local c=$1
  run_no=$((run_no + 1))
  local tag=$run_no-$c-latency src=lat-$run_no probe_brokers=$bootstrap_b pid="" log
  log=$out/logs/$tag.log
  say "latency: $c at $lat_rate records/s of $lat_size B for $lat_seconds s (run $run_no)"
  "$kbench" create --brokers "$bootstrap_a" --topic "$src" --partitions "$partitions"
  if [ "$c" = direct ]; then
    tgt=$src probe_brokers=$bootstrap_a
  else
    launch "$c" "$src" "$lat_size" 0 "$log"
    pid=$bg_pid
  fi
  # One primer record per partition: the load starts once the contender carries all of them.
  "$kbench" produce --brokers "$bootstrap_a" --topic "$src" --records "$partitions" --size "$lat_size" --round-robin 1 >/dev/null
  seq 0 $((partitions - 1)) | awk '{ print $1, 1 }' >"$out/work/$tag.primers"
  if ! "$kbench" watch --brokers "$probe_brokers" --topic "$tgt" --expect "$out/work/$tag.primers" --pid "${pid:-0}" \
      --timeout 180 >"$out/work/$tag.ready"; then
    echo "bench: $c did not carry the primer records within 180 s" >&2
    [ -n "$pid" ] && stop_pid "$pid" 30
    printf '%s\t%s\t%s\t%s\t0\t%s\t-1\t-1\t-1\t-1\t-1\t-1\t-\t-\n' "$c" "$lat_size" "$lat_rate" "$lat_seconds" "$lat_records" >>"$out/latency.tsv"
    return
  fi
  local since_ms=$(($(date +%s%N) / 1000000))
  start_bg "$out/work/$tag.latency" "$kbench" latency --brokers "$probe_brokers" --topic "$tgt" --since-ms "$since_ms" \
    --warmup-ms $((lat_warmup * 1000)) --expect "$lat_records" --timeout $((lat_seconds + 300)) --timeline 1
  local probe=$bg_pid cpu0=0 t0 t1 cpu1=0 sys0 sys1 b0 b1
  [ -n "$pid" ] && cpu0=$(proc_cpu "$pid")
  sys0=$(sys_cpu) b0=$(awk -v a="$(proc_cpu "$pid_a")" -v b="$(proc_cpu "$pid_b")" 'BEGIN { print a + b }')
  t0=$(date +%s%N)
  local load
  if [ "$lat_load" = java ]; then
    load=("${pp[@]}" --topic "$src" --num-records "$lat_records" --record-size "$lat_size" --throughput "$lat_rate"
          --producer-props bootstrap.servers="$bootstrap_a" acks=all)
  else
    load=("$kbench" produce --brokers "$bootstrap_a" --topic "$src" --records "$lat_records" --size "$lat_size"
          --rate "$lat_rate" --linger-ms 5)
  fi
  note_cmd "${load[@]}"
  "${load[@]}" >"$out/logs/$tag-load.log" 2>&1 || true
  [ -n "$pid" ] && cpu1=$(proc_cpu "$pid")
  sys1=$(sys_cpu) b1=$(awk -v a="$(proc_cpu "$pid_a")" -v b="$(proc_cpu "$pid_b")" 'BEGIN { print a + b }')
  t1=$(date +%s%N)
  # The probe ends when it has every record; a contender that fell behind gets 60 s more.
  local i
  for ((i = 0; i < 300; i++)); do kill -0 "$probe" 2>/dev/null || break; sleep 0.2; done
  stop_pid "$probe" 5
  [ -n "$pid" ] && stop_pid "$pid" 30
  local f=$out/work/$tag.latency
  # CPU of everything else during the load: the machine minus brokers, contender, probe and
  # load generator (their own CPU counts are printed by kbench).
  local tools other
  tools=$(awk -v a="$(get cpu_s "$f")" -v b="$(sed -n 's/.*cpu_s=\([0-9.]*\).*/\1/p' "$out/logs/$tag-load.log" | head -n1)" \
    'BEGIN { print a + b }')
  other=$(awk -v s0="$sys0" -v s1="$sys1" -v b0="$b0" -v b1="$b1" -v c0="$cpu0" -v c1="$cpu1" -v tl="$tools" -v t0="$t0" -v t1="$t1" \
    'BEGIN { printf "%.1f", ((s1 - s0) - (b1 - b0) - (c1 - c0) - tl) / ((t1 - t0) / 1e9) * 100 }')
  local bpct
  bpct=$(awk -v b0="$b0" -v b1="$b1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f", (b1 - b0) / ((t1 - t0) / 1e9) * 100 }')
  awk -v c="$c" -v s="$lat_size" -v r="$lat_rate" -v sec="$lat_seconds" -v e="$lat_records" \
      -v rec="$(get received "$f")" -v p50="$(get p50_ms "$f")" -v p90="$(get p90_ms "$f")" -v p99="$(get p99_ms "$f")" \
      -v p999="$(get p999_ms "$f")" -v mx="$(get max_ms "$f")" -v cpu="$(awk -v a="$cpu0" -v b="$cpu1" -v t0="$t0" -v t1="$t1" \
        'BEGIN { printf "%.1f", (b - a) / ((t1 - t0) / 1e9) * 100 }')" -v has="${pid:+1}" -v bpct="$bpct" -v other="$other" \
      'BEGIN { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c, s, r, sec, (rec == "" ? 0 : rec), e,
               p50, p90, p99, p999, mx, (has ? cpu : "-"), bpct, other }' | tee -a "$out/latency.tsv" |
    awk -F'\t' '{ printf "  received %s/%s, p50 %s ms, p99 %s ms, max %s ms, contender CPU %s%%, brokers %s%%, others %s%%\n", $5, $6, $7, $9, $11, $12, $13, $14 }'
  settle
}

if [ ${#lat_contenders[@]} -gt 0 ]; then
  say "Latency phase: offered load $lat_rate records/s (${lat_fraction} x MM2 tuned's drain rate of $lat_size B records)"
  for c in "${lat_contenders[@]}"; do
    run_latency "$c"
  done
fi

# ---------------------------------------------------------------- report
say "Writing $out/results.md"
bench/report.sh "$out" "$records" "$partitions" "$lat_rate" "$lat_seconds" "$lat_warmup" "$lat_size" "$lat_fraction" "$lat_load"
if command -v gnuplot >/dev/null 2>&1 && [ "${BENCH_NO_CHART:-0}" != 1 ]; then
  bench/chart.sh "$out" && say "Chart: $out/results.png" || echo "bench: chart failed (see above)" >&2
fi
rm -rf "$out/work/"*.digest
say "Done: $out/results.md"
