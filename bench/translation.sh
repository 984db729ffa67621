#!/usr/bin/env bash
# Offset translation look-up latency: kmirror's gRPC API vs MirrorMaker 2's
# RemoteClusterUtils.translateOffsets, one run, same clusters, same groups (issue #5).
#
#   bench/translation.sh               # 200,000 records, 8 partitions, 20 groups; a few minutes
#   TR_QUICK=1 bench/translation.sh    # smoke run: 20,000 records, fewer calls
#
# Builds kmirror and bench/ktranslate.cpp (CMake target ktranslate), compiles
# bench/TranslateOffsetsBench.java against MM2 3.8.1's jars (javac, no build tool), starts two
# single-broker KRaft clusters A and B (scripts/kafka-cluster.sh), then:
#
#   setup    TranslateOffsetsBench setup: topic tr-bench on A (TR_PARTITIONS partitions),
#            TR_RECORDS records of TR_SIZE bytes, key "<partition>:<seq>" (a record names its
#            own source offset), and TR_GROUPS groups tr-group-NN with committed offsets,
#            pseudo-random per partition in [0, end], every fourth group at the end
#   mm2      MirrorMaker 3.8.1, aliases mA/mB, the plain ("as shipped") file of bench/run.sh
#            plus groups = tr-group-.*, emit.checkpoints.interval.seconds = 1 and
#            sync.group.offsets.enabled = false; once mA.tr-bench holds every record and the
#            checkpoints are complete (or stop changing: MM2 cannot translate offsets older
#            than the offset syncs it kept), while MM2 runs:
#              RemoteClusterUtils.translateOffsets(props of B, "mA", group, 30 s), TR_MM2_CALLS
#              calls round-robin over the groups (each call builds an Admin client and a
#              consumer and reads mA.checkpoints.internal from its start), and the same through
#              one reused MirrorClient (remoteConsumerOffsets: still a consumer per call)
#   kmirror  kmirror run on the same kind of file, aliases kA/kB, api.listen = 127.0.0.1:0;
#            once its API is ready (index caught up, every record mirrored, every group
#            checkpointed), while it runs: ktranslate, TR_GRPC_CALLS sequential calls each of
#            TranslateOffset (random partition/offset), TranslateGroup and ListCheckpoints
#            (round-robin over the groups); then translateOffsets again, on kmirror's
#            checkpoints (alias kA: kmirror writes MM2's checkpoint format)
#   check    every answer (last TranslateGroup per group; last translateOffsets per group) is
#            looked up in B's records: the record at the translated offset must be the one at
#            the group's committed source offset. kmirror's answers must be exact (the run
#            fails otherwise); MM2's are reported as they are (behind = records a consumer
#            would read again, ahead = records it would skip, missing = no checkpoint)
#
# All calls are sequential, one in flight, after a warm-up; latency is the client's wall time
# per call. Everything ends on exit, Ctrl-C or failure.
#
# Results: bench/results/<timestamp>-translation/ results.md (tables, commands, versions),
# versions.txt, commands.txt, *.out (raw tool output), configs/, logs/.
#
# Environment (defaults in brackets):
#   TR_RECORDS [200000; TR_QUICK 20000]  TR_PARTITIONS [8]  TR_SIZE [100]  TR_GROUPS [20]
#   TR_GRPC_CALLS [5000; TR_QUICK 1000] per RPC  TR_GRPC_WARMUP [500; 100]
#   TR_MM2_CALLS [100; TR_QUICK 40] per variant  TR_MM2_WARMUP [10; 5]
#   TR_MM2_PROPS [""; "k=v,k=v" added to the properties passed to translateOffsets; note that
#     MirrorClientConfig keeps only connection/security settings for its consumer, so e.g.
#     consumer.fetch.max.wait.ms has no effect]
#   TR_MM2_HEAP [1G]  TR_BROKER_HEAP [512m]  TR_TIMEOUT [300 s: mirroring + checkpoints]
#   TR_STABLE_S [20 s: checkpoints unchanged this long count as complete for MM2]
#   TR_BUILD_DIR [build]  TR_JOBS [2]  TR_OUT [bench/results/<timestamp>-translation]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ "${TR_QUICK:-0}" = 1 ]; then
  d_records=20000 d_grpc=1000 d_grpc_w=100 d_mm2=40 d_mm2_w=5
else
  d_records=200000 d_grpc=5000 d_grpc_w=500 d_mm2=100 d_mm2_w=10
fi
records=${TR_RECORDS:-$d_records}
partitions=${TR_PARTITIONS:-8}
size=${TR_SIZE:-100}
ngroups=${TR_GROUPS:-20}
grpc_calls=${TR_GRPC_CALLS:-$d_grpc}
grpc_warmup=${TR_GRPC_WARMUP:-$d_grpc_w}
mm2_calls=${TR_MM2_CALLS:-$d_mm2}
mm2_warmup=${TR_MM2_WARMUP:-$d_mm2_w}
mm2_heap=${TR_MM2_HEAP:-1G}
mm2_props=${TR_MM2_PROPS:-}
timeout_s=${TR_TIMEOUT:-300}
stable_s=${TR_STABLE_S:-20}
build_dir=${TR_BUILD_DIR:-build}
jobs=${TR_JOBS:-2}
export KAFKA_HEAP=${TR_BROKER_HEAP:-512m}
topic=tr-bench
group_prefix=tr-group-
groups=$(for ((g = 0; g < ngroups; g++)); do printf '%s%02d,' "$group_prefix" "$g"; done)
groups=${groups%,}
stamp=$(date +%Y%m%d-%H%M%S)
out=${TR_OUT:-bench/results/$stamp-translation}
mkdir -p "$out"/{configs,logs}
out=$(cd "$out" && pwd)
export KMIRROR_RUN_DIR=/tmp/kmirror-translation.$$
commands=$out/commands.txt
: >"$commands"

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"  # say, note_cmd, cleanup, start_bg, stop_pid
bench_begin "translation" 20 1000000
die() { echo "translation: $*" >&2; exit 1; }
load() { echo "$1: load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/load.txt"; }

# run_fg OUT CMD...: runs CMD and waits for it; stdout to OUT (and, as it comes, the
# terminal), stderr to OUT.err (printed afterwards). Returns CMD's status. CMD runs in the
# background so that a signal to this script stops it at once (cleanup kills it).
run_fg() {
  local o=$1; shift
  note_cmd "$@"
  "$@" </dev/null >"$o" 2>"$o.err" &
  local p=$! rc=0
  pids+=("$p")
  tail -n +1 -f --pid="$p" "$o" &
  local t=$!
  wait "$p" || rc=$?
  wait "$t" 2>/dev/null || true
  grep -v '^\s*$' "$o.err" >&2 || true
  return $rc
}

# ---------------------------------------------------------------- install, build, fetch
say "Installing missing packages (scripts/install-deps.sh)"
scripts/install-deps.sh
if ! command -v javac >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq default-jdk-headless >/dev/null
fi

say "Building kmirror and ktranslate ($build_dir, RelWithDebInfo)"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKMIRROR_BUILD_BENCH=ON >/dev/null
cmake --build "$build_dir" -j"$jobs" --target kmirror ktranslate
# Private copies: a rebuild during the run must not change the binaries under test.
mkdir -p "$KMIRROR_RUN_DIR/bin" "$KMIRROR_RUN_DIR/java"
cp "$build_dir/src/kmirror" "$build_dir/bench/ktranslate" "$KMIRROR_RUN_DIR/bin/"
kmirror=$KMIRROR_RUN_DIR/bin/kmirror
ktranslate=$KMIRROR_RUN_DIR/bin/ktranslate

say "Fetching Kafka 3.8.1 and MirrorMaker 2 3.8.1 jars (cached in ~/.cache/kmirror)"
libs=$(scripts/fetch-kafka.sh --with-mm2)
mm2_libs=${KMIRROR_CACHE:-$HOME/.cache/kmirror}/mm2-3.8.1/libs
[ -f "$mm2_libs/connect-mirror-client-3.8.1.jar" ] || die "MM2 jars missing in $mm2_libs"
export KMIRROR_KAFKA_LIBS=$libs
javac -cp "$mm2_libs/*" -d "$KMIRROR_RUN_DIR/java" bench/TranslateOffsetsBench.java

# The JVM flags of Kafka's bin/kafka-run-class.sh (KAFKA_JVM_PERFORMANCE_OPTS), as bench/run.sh.
jvm_perf=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
          -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true)
# bin/connect-mirror-maker.sh: -Xms256M -Xmx2G; capped at TR_MM2_HEAP (1G) here.
mm2=(java -Xms256M -Xmx"$mm2_heap" "${jvm_perf[@]}" -Dlog4j.configuration=file:"$root/bench/mm2-log4j.properties"
     -cp "$mm2_libs/*" org.apache.kafka.connect.mirror.MirrorMaker)
# The Java client: what an application calling RemoteClusterUtils would be (512 MiB heap, as
# Kafka's command-line tools).
tob=(java -Xmx512M "${jvm_perf[@]}" -Dlog4j.configuration=file:"$root/deploy/log4j-tools.properties"
     -cp "$KMIRROR_RUN_DIR/java:$mm2_libs/*" TranslateOffsetsBench)

# ---------------------------------------------------------------- versions
{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "kafka=3.8.1 (brokers; MirrorMaker 2 connect-mirror and connect-mirror-client 3.8.1)"
  echo "kmirror=$("$kmirror" --version 2>/dev/null | head -n1) git $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src include proto 2>/dev/null || echo '+local changes')"
  echo "grpc=$(pkg-config --modversion grpc++ 2>/dev/null || echo '?') protobuf=$(pkg-config --modversion protobuf 2>/dev/null || echo '?')"
  echo "gcc=$(gcc -dumpfullversion) ($(gcc --version | head -n1))"
  echo "java=$(java -version 2>&1 | head -n1)"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores"
  echo "ram=$(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "kernel=$(uname -r)"
  machine_busy
} >"$out/versions.txt"
cat "$out/versions.txt"

# ---------------------------------------------------------------- clusters and data
start_clusters "$out/logs"

load "before setup"
say "Setup: $records records of $size B in $topic ($partitions partitions) on A, $ngroups groups with committed offsets"
run_fg "$out/setup.out" "${tob[@]}" setup --bootstrap "$bootstrap_a" --topic "$topic" --partitions "$partitions" \
  --records "$records" --size "$size" --groups "$ngroups" --group-prefix "$group_prefix" --out "$out/expected.tsv"

# write_config FILE SOURCE_ALIAS TARGET_ALIAS [EXTRA...]: bench/run.sh's plain MM2 file plus
# the checkpoint settings; kmirror reads the same file.
write_config() {
  local f=$1 s=$2 t=$3 k; shift 3
  {
    echo "# MirrorMaker 2 (as shipped) plus checkpoints every second; kmirror reads the same file."
    echo "clusters = $s, $t"
    echo "$s.bootstrap.servers = $bootstrap_a"
    echo "$t.bootstrap.servers = $bootstrap_b"
    echo "$s->$t.enabled = true"
    echo "$s->$t.topics = $topic"
    echo "groups = ${group_prefix}.*"
    echo "emit.checkpoints.interval.seconds = 1"
    echo "sync.group.offsets.enabled = false"
    echo "# single-broker clusters"
    echo "replication.factor = 1"
    for k in checkpoints.topic heartbeats.topic offset-syncs.topic offset.storage status.storage config.storage; do
      echo "$k.replication.factor = 1"
    done
    for k in "$@"; do echo "$k"; done
  } >"$f"
}

# ---------------------------------------------------------------- MirrorMaker 2
say "MM2 (mA -> mB): mirroring and checkpoints"
write_config "$out/configs/mm2.properties" mA mB
start_bg "$out/logs/mm2.log" "${mm2[@]}" "$out/configs/mm2.properties"
mm2_pid=$bg_pid
run_fg "$out/mm2-wait.out" "${tob[@]}" wait --bootstrap "$bootstrap_b" --alias mA --groups "$groups" \
  --partitions "$partitions" --remote-topic "mA.$topic" --records "$records" --stable-s "$stable_s" \
  --timeout-s "$timeout_s" || die "MM2: checkpoints incomplete after $timeout_s s (see $out/logs/mm2.log)"
mm2_complete=$(grep '^wait mirrored' "$out/mm2-wait.out" | tail -n1 | awk '{
  for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  printf "%s partitions (%s groups complete), %s records mirrored", v["checkpointed_partitions"], v["complete_groups"], v["mirrored"] }')
kill -0 "$mm2_pid" 2>/dev/null || die "MM2 exited (see $out/logs/mm2.log)"

say "MM2: RemoteClusterUtils.translateOffsets x $mm2_calls (+$mm2_warmup warm-up)"
run_fg "$out/mm2-utils.out" "${tob[@]}" bench --bootstrap "$bootstrap_b" --alias mA --groups "$groups" \
  --calls "$mm2_calls" --warmup "$mm2_warmup" --mode utils --props "$mm2_props" --dump "$out/answers-mm2.tsv"
say "MM2: MirrorClient.remoteConsumerOffsets (one client) x $mm2_calls (+$mm2_warmup warm-up)"
run_fg "$out/mm2-client.out" "${tob[@]}" bench --bootstrap "$bootstrap_b" --alias mA --groups "$groups" \
  --calls "$mm2_calls" --warmup "$mm2_warmup" --mode client --props "$mm2_props"
load "after MM2's calls"
stop_pid "$mm2_pid" 30

# ---------------------------------------------------------------- kmirror
say "kmirror (kA -> kB): mirroring, checkpoints, API on a free port"
mkdir -p "$KMIRROR_RUN_DIR/kmirror"
write_config "$out/configs/kmirror.properties" kA kB "api.listen = 127.0.0.1:0" \
  "offsets.index.dir = $KMIRROR_RUN_DIR/kmirror/offset-index"
start_bg "$out/logs/kmirror.log" env -C "$KMIRROR_RUN_DIR/kmirror" "$kmirror" run --config "$out/configs/kmirror.properties"
kmirror_pid=$bg_pid
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*API listening on .*(port \([0-9]*\)[,)].*/\1/p' "$out/logs/kmirror.log" | head -n1)
  [ -n "$port" ] && break
  kill -0 "$kmirror_pid" 2>/dev/null || die "kmirror exited (see $out/logs/kmirror.log)"
  sleep 0.2
done
[ -n "$port" ] || die "kmirror did not log its API port (see $out/logs/kmirror.log)"
api=127.0.0.1:$port
say "kmirror API at $api: ktranslate x $grpc_calls per RPC (+$grpc_warmup warm-up)"
ktr_rc=0
run_fg "$out/kmirror-grpc.out" "$ktranslate" --api "$api" --from kA --to kB --topic "$topic" --groups "$groups" \
  --calls "$grpc_calls" --warmup "$grpc_warmup" --wait-ready "$timeout_s" --expect-identity 1 \
  --dump "$out/answers-kmirror.tsv" || ktr_rc=$?
load "after kmirror's gRPC calls"

say "kmirror's checkpoints through MM2's client: RemoteClusterUtils.translateOffsets (alias kA) x $mm2_calls"
run_fg "$out/kmirror-utils.out" "${tob[@]}" bench --bootstrap "$bootstrap_b" --alias kA --groups "$groups" \
  --calls "$mm2_calls" --warmup "$mm2_warmup" --mode utils --props "$mm2_props" --dump "$out/answers-kmirror-checkpoints.tsv"
stop_pid "$kmirror_pid" 30

# ---------------------------------------------------------------- check against the records
say "Checking every translated offset against the records on B"
run_fg "$out/check-kmirror.out" "${tob[@]}" check --bootstrap "$bootstrap_b" --topic "kA.$topic" \
  --expected "$out/expected.tsv" --answers "$out/answers-kmirror.tsv" --label kmirror-TranslateGroup
run_fg "$out/check-kmirror-checkpoints.out" "${tob[@]}" check --bootstrap "$bootstrap_b" --topic "kA.$topic" \
  --expected "$out/expected.tsv" --answers "$out/answers-kmirror-checkpoints.tsv" --label kmirror-checkpoints
run_fg "$out/check-mm2.out" "${tob[@]}" check --bootstrap "$bootstrap_b" --topic "mA.$topic" \
  --expected "$out/expected.tsv" --answers "$out/answers-mm2.tsv" --label mm2-checkpoints

# ---------------------------------------------------------------- report
# kv FILE KEY: the value of KEY= in the first line of FILE that has it.
kv() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" "$1" | head -n1; }
# row CONTENDER CALL WHAT FILE RPC: a latency table row from a "rpc=RPC ..." line.
row() {
  local line
  line=$(grep "^rpc=$5 " "$4" | head -n1) || { echo "| $1 | $2 | $3 | (no result) | | | | | | |"; return; }
  echo "$line" | awk -v c="$1" -v call="$2" -v what="$3" '{
    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "| %s | %s | %s | %d | %d | %.3f | %.3f | %.3f | %.3f | %.1f |\n", c, call, what, v["calls"], v["errors"],
      v["p50_us"] / 1000, v["p90_us"] / 1000, v["p99_us"] / 1000, v["max_us"] / 1000, v["calls_per_s"] }'
}
crow() { # crow WHAT FILE
  awk -v what="$1" '/^check / {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "| %s | %s | %s | %s | %s | %s | %s | %s / %s / %s |\n", what, v["partitions"], v["answered"], v["exact"],
      v["behind"], v["ahead"], v["missing"], v["reread_records"], v["reread_max"], v["reread_mean"] }' "$2"
}
p50() { grep "^rpc=$2 " "$1" | head -n1 | sed -n 's/.*p50_us=\([0-9]*\).*/\1/p'; }
ratio=$(awk -v m="$(p50 "$out/mm2-utils.out" RemoteClusterUtils.translateOffsets)" \
            -v k="$(p50 "$out/kmirror-grpc.out" TranslateGroup)" 'BEGIN { if (k > 0 && m > 0) printf "%.0f", m / k; else print "?" }')
kexact=$(kv "$out/check-kmirror.out" exact)
kparts=$(kv "$out/check-kmirror.out" partitions)
{
  echo "# Offset translation latency: kmirror gRPC API vs MirrorMaker 2's RemoteClusterUtils"
  echo
  echo "Run $(basename "$out") of \`bench/translation.sh\`: $records records of $size B in \`$topic\` ($partitions partitions) on A,"
  echo "$ngroups consumer groups with committed offsets on A (pseudo-random per partition, every fourth group at the"
  echo "end), mirrored to B by MM2 3.8.1 (aliases mA/mB) and by kmirror (kA/kB), one after the other; checkpoints every"
  echo "second. Every call is sequential (one in flight) after a warm-up; latency is the client's wall time per call."
  echo
  echo "## Latency"
  echo
  echo "| contender | call | what a call does | calls | errors | p50 ms | p90 ms | p99 ms | max ms | calls/s |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  row kmirror "gRPC TranslateOffset" "index look-up of one (partition, offset)" "$out/kmirror-grpc.out" TranslateOffset
  row kmirror "gRPC TranslateGroup" "reads the group's offsets on A, translates each" "$out/kmirror-grpc.out" TranslateGroup
  row kmirror "gRPC ListCheckpoints" "the group's latest checkpoints, from memory" "$out/kmirror-grpc.out" ListCheckpoints
  row "MM2 3.8.1" "RemoteClusterUtils.translateOffsets" "new Admin client and consumer, reads mA.checkpoints.internal from the start" "$out/mm2-utils.out" RemoteClusterUtils.translateOffsets
  row "MM2 3.8.1" "MirrorClient.remoteConsumerOffsets" "one reused MirrorClient; new consumer per call, reads the topic from the start" "$out/mm2-client.out" MirrorClient.remoteConsumerOffsets
  row "kmirror's checkpoints" "RemoteClusterUtils.translateOffsets" "MM2's client on kA.checkpoints.internal (kmirror writes MM2's format)" "$out/kmirror-utils.out" RemoteClusterUtils.translateOffsets
  echo
  echo "Group translation, p50: MM2's translateOffsets / kmirror's TranslateGroup = **${ratio}x**."
  echo
  echo "## Accuracy (every answer checked against the records on B)"
  echo
  echo "The last answer per group and partition, looked up on B: the record at the translated offset must be the one at"
  echo "the group's committed offset on A (the keys name their source offsets). Behind: a consumer resuming there reads"
  echo "records again; ahead: it skips records; missing: no answer for that partition."
  echo
  echo "| translation | partitions | answered | exact | behind | ahead | missing | re-read records: total / max / mean |"
  echo "|---|---|---|---|---|---|---|---|"
  crow "kmirror gRPC TranslateGroup" "$out/check-kmirror.out"
  crow "kmirror's checkpoints via translateOffsets (kA)" "$out/check-kmirror-checkpoints.out"
  crow "MM2's checkpoints via translateOffsets (mA)" "$out/check-mm2.out"
  echo
  echo "MM2's checkpoints when its calls were measured: $mm2_complete."
  echo
  echo "One group as each side answered it (source offset on A -> offset on B):"
  echo
  echo '```'
  grep -h '^offsets ' "$out/kmirror-grpc.out" | sed 's/^/kmirror TranslateGroup: /' || true
  grep -h '^offsets ' "$out/mm2-utils.out" | sed 's/^/MM2 translateOffsets:   /' || true
  echo "committed on A:         $(awk -v g="$(kv "$out/kmirror-grpc.out" group)" '$1 == g { printf "%s-%s:%s ", "'"$topic"'", $2, $3 }' "$out/expected.tsv")"
  echo '```'
  echo
  echo "Machine load (1, 5, 15 min), 2 cores unless versions say otherwise:"
  echo
  echo '```'
  cat "$out/load.txt"
  echo '```'
  echo
  echo "## Versions"
  echo
  echo '```'
  cat "$out/versions.txt"
  echo '```'
  echo
  echo "## Commands"
  echo
  echo "GROUPS=$groups, MM2_LIBS=$mm2_libs, RUN=the run's private directory."
  echo
  echo "In order (\`bench/translation.sh\` with TR_RECORDS=$records TR_PARTITIONS=$partitions TR_SIZE=$size TR_GROUPS=$ngroups"
  echo "TR_GRPC_CALLS=$grpc_calls TR_GRPC_WARMUP=$grpc_warmup TR_MM2_CALLS=$mm2_calls TR_MM2_WARMUP=$mm2_warmup); configurations in \`configs/\`:"
  echo
  echo '```sh'
  sed "s|$root/||g; s|$KMIRROR_RUN_DIR|\$RUN|g; s|${groups//,/\\\\,}|\$GROUPS|g; s|$mm2_libs/\\\\\*|\$MM2_LIBS/\\\\*|g" "$commands"
  echo '```'
} >"$out/results.md"

find "$out" -maxdepth 1 -name '*.err' -empty -delete
say "Done: $out/results.md"
cat "$out/results.md" | sed -n '/^## Latency/,/^## Versions/p'
if [ "$ktr_rc" != 0 ] || [ -z "$kexact" ] || [ "$kexact" != "$kparts" ]; then
  die "kmirror's translations were not all exact (ktranslate exit $ktr_rc, exact $kexact of $kparts)"
fi
