#!/usr/bin/env bash
# The main job, end to end on one machine: installs what is missing, builds kmirror, starts
# two local single-broker Kafka clusters (A on 127.0.0.1:9092, B on 127.0.0.1:9093), runs
# kmirror with config/mm2-local.properties (A->B and B->A), produces records on both sides
# and shows each arriving on the other. Ctrl-C (or the end of the demo) stops everything.
#
#   scripts/demo.sh            # runs the demo, then stops everything
#   KEEP_RUNNING=1 scripts/demo.sh   # leaves clusters and kmirror running until Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export KMIRROR_RUN_DIR=${KMIRROR_RUN_DIR:-/tmp/kmirror-demo}
mkdir -p "$KMIRROR_RUN_DIR"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Installing missing packages and fetching Kafka 3.8.1 jars (cached)"
scripts/install-deps.sh
libs=$(scripts/fetch-kafka.sh)

say "Building kmirror"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target kmirror

kafka_tool() { java -Xmx256m -cp "$libs/*" -Dlog4j.configuration=file:"$root/deploy/log4j-tools.properties" "$@"; }

kmirror_pid=""
cleanup() {
  [ -n "$kmirror_pid" ] && kill "$kmirror_pid" 2>/dev/null && wait "$kmirror_pid" 2>/dev/null || true
  scripts/kafka-cluster.sh stop A >/dev/null 2>&1 || true
  scripts/kafka-cluster.sh stop B >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Starting Kafka cluster A on 127.0.0.1:9092 and B on 127.0.0.1:9093"
scripts/kafka-cluster.sh start A 9092 &
scripts/kafka-cluster.sh start B 9093 &
wait

say "Creating topic 'orders' (4 partitions) on A and 'payments' (2 partitions) on B"
kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --create --topic orders --partitions 4 --replication-factor 1
kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9093 --create --topic payments --partitions 2 --replication-factor 1

say "Starting kmirror: build/src/kmirror run --config config/mm2-local.properties (log: $KMIRROR_RUN_DIR/kmirror.log)"
# A fresh offset index each time: the demo's clusters are new on every run.
rm -rf kmirror-data/offset-index
build/src/kmirror run --config config/mm2-local.properties >"$KMIRROR_RUN_DIR/kmirror.log" 2>&1 &
kmirror_pid=$!

say "Producing 5 records to A/orders and 3 to B/payments"
printf 'k1:order 1\nk2:order 2\nk3:order 3\nk4:order 4\nk5:order 5\n' |
  kafka_tool kafka.tools.ConsoleProducer --bootstrap-server 127.0.0.1:9092 --topic orders \
    --property parse.key=true --property key.separator=:
printf 'p1:payment 1\np2:payment 2\np3:payment 3\n' |
  kafka_tool kafka.tools.ConsoleProducer --bootstrap-server 127.0.0.1:9093 --topic payments \
    --property parse.key=true --property key.separator=:

say "Reading A.orders on cluster B (mirrored A->B)"
kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server 127.0.0.1:9093 --topic A.orders \
  --from-beginning --max-messages 5 --timeout-ms 60000 --property print.key=true --property print.partition=true
say "Reading B.payments on cluster A (mirrored B->A)"
kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server 127.0.0.1:9092 --topic B.payments \
  --from-beginning --max-messages 3 --timeout-ms 60000 --property print.key=true --property print.partition=true

say "Partition layout on B: A.orders keeps A's 4 partitions"
kafka_tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server 127.0.0.1:9093 --topic A.orders --time -1

say "Topics on each cluster (no A.B.* or B.A.* loops)"
echo "A: $(kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list | tr '\n' ' ')"
echo "B: $(kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9093 --list | tr '\n' ' ')"

say "Consumer failover: 20 more orders; group 'demo-app' reads 10 of the 25 on A, then moves to B"
for i in $(seq 6 25); do echo "k$i:order $i"; done |
  kafka_tool kafka.tools.ConsoleProducer --bootstrap-server 127.0.0.1:9092 --topic orders \
    --property parse.key=true --property key.separator=:
# One record per poll, so the committed position is exactly the records shown.
kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server 127.0.0.1:9092 --topic orders \
  --group demo-app --from-beginning --max-messages 10 --timeout-ms 60000 --property print.key=true \
  --consumer-property max.poll.records=1
# kmirror checkpoints the group every 5 s (emit.checkpoints.interval.seconds in the config).
for _ in $(seq 1 60); do
  build/src/kmirror translate --from A --to B --group demo-app >/dev/null 2>&1 && break
  sleep 1
done
say "Where 'demo-app' resumes on B: build/src/kmirror translate --from A --to B --group demo-app"
build/src/kmirror translate --from A --to B --group demo-app
say "build/src/kmirror failover --config config/mm2-local.properties --group demo-app --from A --to B"
build/src/kmirror failover --config config/mm2-local.properties --group demo-app --from A --to B
say "The group continues on B with the 15 orders it had not read (nothing skipped, nothing twice)"
kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server 127.0.0.1:9093 --topic A.orders \
  --group demo-app --max-messages 15 --timeout-ms 30000 --property print.key=true

say "kmirror's log"
tail -n 25 "$KMIRROR_RUN_DIR/kmirror.log"

if [ "${KEEP_RUNNING:-0}" = "1" ]; then
  say "Running; Ctrl-C stops kmirror and both clusters"
  wait "$kmirror_pid"
fi
say "Demo done; stopping kmirror (SIGTERM drains it) and both clusters"
