#!/usr/bin/env bash
# Writes results.md of a bench/cluster.sh run from its tsv files (also usable on its own:
#   bench/cluster-report.sh DIR RECORDS SIZE PARTITIONS RATE GAP_MS SESSION_MS MM2_DELAY_MS SETTLE_S).
set -euo pipefail
dir=$1 records=$2 size=$3 partitions=$4 rate=$5 gap_ms=$6 session_ms=$7 mm2_delay_ms=$8 settle_s=$9
md=$dir/results.md
get() { sed -n "s/^$1=//p" "$2" | head -n1; }
{
  echo "# kmirror cluster benchmark: spread over 1-3 nodes, failover time vs MirrorMaker 2 (bench/cluster.sh)"
  echo
  echo "Run $(basename "$dir"), $(get date "$dir/versions.txt"). $(get kmirror "$dir/versions.txt"); librdkafka"
  echo "$(get librdkafka "$dir/versions.txt"); Kafka and MM2 3.8.1; $(get java "$dir/versions.txt");"
  echo "$(get cpu "$dir/versions.txt"), $(get ram "$dir/versions.txt") RAM. Before the run: machine busy"
  echo "$(get machine_busy_before_run "$dir/versions.txt"), load average $(get load_average_before_run "$dir/versions.txt")."
  echo "Both brokers, every node, the load generator and the probes share these cores, and other"
  echo "sessions' builds and tests ran on the machine during the run: absolute numbers are this box's."
  echo
  if [ "$(wc -l <"$dir/spread-runs.tsv")" -gt 1 ]; then
    echo "## Spread: $records records of $size B, $partitions partitions, drained by 1, 2 and 3 kmirror nodes"
    echo
    echo "Nodes started together from one file (kmirror's defaults: 2 tasks per node). Drain rate between"
    echo "the first and the last record on B (start-up excluded; \"from start\" includes it); CPU of all"
    echo "nodes together (process lifetime); verified: B's copy equals A's record by record."
    echo
    echo "| nodes | drains | drain records/s, median (range) | from start, median | CPU s (all nodes), median | verified | load average before each drain |"
    echo "|---|---|---|---|---|---|---|"
    awk -F'\t' 'function th(x,   s, neg) { x = sprintf("%.0f", x); neg = x ~ /^-/; if (neg) x = substr(x, 2); s = ""; while (length(x) > 3) { s = "," substr(x, length(x) - 2) s; x = substr(x, 1, length(x) - 3) } return (neg ? "-" : "") x s }
      NR > 1 {
        n = $1; if (!(n in cnt)) order[++k] = n
        cnt[n]++; la[n] = la[n] (cnt[n] > 1 ? ", " : "") $12; rps[n, cnt[n]] = $5; tot[n, cnt[n]] = $6; cpu[n, cnt[n]] = $7
        if (!(n in ver)) ver[n] = "yes"; if ($8 != "yes") ver[n] = $8
      }
      function med(n, arr, c,   i, j, t, a) {
        for (i = 1; i <= c; i++) a[i] = arr[n, i] + 0
        for (i = 2; i <= c; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        lo = a[1]; hi = a[c]
        return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
      }
      END {
        for (i = 1; i <= k; i++) {
          n = order[i]; c = cnt[n]
          m = med(n, rps, c); l = lo; h = hi
          printf "| %s | %d | %s (%s-%s) | %s | %.2f | %s | %s |\n", n, c, th(m), th(l), th(h), th(med(n, tot, c)), med(n, cpu, c), ver[n], la[n]
        }
      }' "$dir/spread-runs.tsv"
    echo
    echo "Per node, every drain: the partitions its tasks held at the end (\`kmirror_partitions_assigned\`),"
    echo "the records it mirrored (\`kmirror_records_mirrored_total\`, the target's acknowledgements), and"
    echo "which partitions those records came from (partition:records)."
    echo
    echo "| nodes | run | node | partitions | records | CPU s | peak RSS MiB | partition:records |"
    echo "|---|---|---|---|---|---|---|---|"
    awk -F'\t' 'function th(x,   s, neg) { x = sprintf("%.0f", x); neg = x ~ /^-/; if (neg) x = substr(x, 2); s = ""; while (length(x) > 3) { s = "," substr(x, length(x) - 2) s; x = substr(x, 1, length(x) - 3) } return (neg ? "-" : "") x s } NR > 1 { printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, th($5), $6, $7, $8 }' "$dir/spread-nodes.tsv"
    echo
    echo "Sum of the nodes' records per drain (= $records when nothing was mirrored twice):"
    awk -F'\t' 'function th(x,   s, neg) { x = sprintf("%.0f", x); neg = x ~ /^-/; if (neg) x = substr(x, 2); s = ""; while (length(x) > 3) { s = "," substr(x, length(x) - 2) s; x = substr(x, 1, length(x) - 3) } return (neg ? "-" : "") x s } NR > 1 { printf "%s%s node(s), run %s: %s", sep, $1, $2, th($9); sep = "; " } END { print "." }' "$dir/spread-runs.tsv"
    echo
  fi
  if [ "$(wc -l <"$dir/failover.tsv")" -gt 1 ]; then
    echo "## Failover: kill -9 of one of three nodes under $rate records/s of $size B ($partitions partitions)"
    echo
    echo "Times are seconds from the kill to the first record on B of any partition the dead node had"
    echo "(\"first\") and until every one of them has a new record (\"all\"), measured by a probe reading B"
    echo "(a partition counts as moved when its records stop at the kill and pause >= ${gap_ms} ms). The"
    echo "victim's partitions as the victim itself reported them just before the kill are listed for"
    echo "comparison. \"Other stalls\": pauses >= ${gap_ms} ms of partitions that did not stop at the kill."
    echo "Duplicates: records on B beyond A's count (at-least-once: what the dead node had copied since"
    echo "its last commit, mirrored again by the new owner)."
    echo
    echo "| case | what | victim | victim's partitions | moved (probe) | first s | all s | other stalls (max s) | A records | B records | duplicates | complete | survivors own | load avg at kill |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    awk -F'\t' -v s="$session_ms" -v d="$mm2_delay_ms" 'function th(x,   s, neg) { x = sprintf("%.0f", x); neg = x ~ /^-/; if (neg) x = substr(x, 2); s = ""; while (length(x) > 3) { s = "," substr(x, length(x) - 2) s; x = substr(x, 1, length(x) - 3) } return (neg ? "-" : "") x s }
      NR > 1 {
        what = $1
        if ($1 == "kmirror") what = "kmirror defaults: session timeout 45 s, heartbeat 3 s"
        if ($1 == "kmirror-s10") what = "kmirror, session timeout " s / 1000 " s, heartbeat 1 s"
        if ($1 == "mm2-d10s") what = "MM2 tuned, scheduled.rebalance.max.delay.ms " d
        if ($1 == "mm2") what = "MM2 tuned, scheduled.rebalance.max.delay.ms 300000 (default)"
        printf "| %s | %s | %s | %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s |\n", $1, what, $2, $3, $4, $5, $6, $8, $9, th($10), th($11), th($12), $13, $14, $16
      }' "$dir/failover.tsv"
    echo
    echo "Per moved partition (probe): last record before the pause, first after it, and that record's"
    echo "timestamp, all in s from the kill (a negative timestamp: a record produced before the kill,"
    echo "mirrored again by the new owner)."
    echo
    for p in "$dir"/work/*-failover-*.probe; do
      [ -f "$p" ] || continue
      echo "- $(basename "$p" .probe): $(sed -n 's/^partition_\([0-9]*\)=/p\1: /p' "$p" | paste -sd ';' - | sed 's/;/; /g')"
      [ -n "$(get other_stall_list "$p")" ] && echo "  other stalls (partition@start+duration, ms from the kill): $(get other_stall_list "$p")"
    done
    echo
  fi
  if [ -f "$dir/effective-settings.txt" ]; then
    echo "MM2's effective settings, from its workers' config dumps:"
    echo
    sed 's/^/- /' "$dir/effective-settings.txt"
    echo
  fi
  echo "## Method"
  echo
  echo "Two single-broker KRaft clusters (Kafka 3.8.1, 512 MiB heaps, \`group.initial.rebalance.delay.ms=3000\`)"
  echo "on loopback; every node is a process on this machine. kmirror nodes: \`kmirror run --config FILE"
  echo "--node-id nX --set api.listen=127.0.0.1:0 --set metrics.listen=127.0.0.1:0 --set offsets.index.dir=...\`"
  echo "(docs/cluster.md). MM2: \`org.apache.kafka.connect.mirror.MirrorMaker FILE\` (what connect-mirror-maker.sh"
  echo "runs), three processes, each file the same but for its \`listeners\` line, with"
  echo "\`dedicated.mode.enable.internal.rest = true\`. Readiness before a kill: every partition arriving on B, every"
  echo "node owning partitions (kmirror: \`kmirror_partitions_assigned\`; MM2: MirrorSourceConnector tasks created"
  echo "and not stopped in its log), unchanged for ${settle_s} s. Every command is in commands.txt; configs in configs/."
} >"$md"
