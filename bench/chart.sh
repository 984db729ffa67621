#!/usr/bin/env bash
# Draws results.png of a benchmark run from its drain.tsv and latency.tsv (gnuplot).
#   bench/chart.sh DIR
set -euo pipefail
dir=$1
work=$dir/work
mkdir -p "$work"

# One row per contender, one column per drain workload: COLUMN of drain.tsv (verified rows).
table() { # table COLUMN SCALE [skip-ceilings]
  awk -F'\t' -v col="$1" -v scale="$2" -v skip="${3:-0}" '
    function short(c) {
      if (c == "ceiling-java") return "ceiling\\nProducerPerf"
      if (c == "ceiling-rdkafka") return "ceiling\\nlibrdkafka"
      if (c == "ceiling-read") return "read ceiling\\n(consumer)"
      if (c == "kmirror-mm2tuned") return "kmirror\\n(tuned file)"
      if (c == "mm2-shipped") return "MM2\\nshipped"
      if (c == "mm2-tuned") return "MM2\\ntuned"
      if (c == "loop") return "loop\\n(librdkafka)"
      return c
    }
    NR == 1 { next }
    skip && $2 ~ /^ceiling/ { next }
    {
      if (!($1 in w)) { w[$1] = ++nw; wn[nw] = $1 }
      if (!($2 in ci)) { ci[$2] = ++nc; cn[nc] = $2 }
      x = col == "drain_cpu" ? $11 / ($4 * $3 / 1e9) : $col * scale
      v[$2, $1] = ($15 ~ /^yes/) ? x : "-"
    }
    END {
      printf "contender"; for (j = 1; j <= nw; j++) printf "\t%s", wn[j]; printf "\n"
      for (i = 1; i <= nc; i++) {
        printf "\"%s\"", short(cn[i])
        for (j = 1; j <= nw; j++) printf "\t%s", ((cn[i], wn[j]) in v) ? v[cn[i], wn[j]] : "-"
        printf "\n"
      }
    }' "$dir/drain.tsv"
}
table 7 0.001 >"$work/chart-rps.dat"
table drain_cpu 1 1 >"$work/chart-cpu.dat"
table 13 1 1 >"$work/chart-rss.dat"
awk -F'\t' 'NR == 1 { print "contender\tp50\tp99"; next }
  { c = $1
    if (c == "mm2-shipped") c = "MM2\\nshipped"
    if (c == "mm2-tuned") c = "MM2\\ntuned"
    if (c == "direct") c = "no replicator\\n(probe on A)"
    if (c == "loop") c = "loop\\n(librdkafka)"
    ok = ($5 == $6 && $5 > 0)
    printf "\"%s\"\t%s\t%s\n", c, ok ? $7 : "-", ok ? $9 : "-" }' "$dir/latency.tsv" >"$work/chart-lat.dat"
nw=$(head -n1 "$work/chart-rps.dat" | awk -F'\t' '{ print NF - 1 }')
rate=$(awk -F'\t' 'NR == 2 { print $3 " records/s of " $2 " B" }' "$dir/latency.tsv")

cols() { # plot clauses for every workload column of FILE
  local f=$1 i s=""
  for ((i = 2; i <= nw + 1; i++)); do
    s+="${s:+, }'$f' using $i:xtic(1) title columnheader($i)"
  done
  echo "$s"
}

has_drain=$(awk 'NR > 1' "$dir/drain.tsv" 2>/dev/null | wc -l)
has_lat=$(awk 'NR > 1' "$dir/latency.tsv" 2>/dev/null | wc -l)
{
  echo 'set terminal pngcairo size 1600,1000 font "Sans,10"'
  echo "set output \"$dir/results.png\""
  echo 'set datafile separator "\t"'
  echo 'set datafile missing "-"'
  echo 'set style data histograms'
  echo 'set style histogram clustered gap 1'
  echo 'set style fill solid 0.85 border -1'
  echo 'set boxwidth 0.9'
  echo 'set grid ytics'
  echo 'set key top right'
  echo 'set xtics font ",9"'
  echo 'set bmargin 4'
  title="kmirror vs MirrorMaker 2 (Kafka 3.8.1), $(basename "$dir") - one 2-core machine shared by brokers and contender"
  if [ "$has_drain" -gt 0 ]; then
    echo "set multiplot layout 2,2 title \"$title\""
    echo 'set title "Drain throughput (thousand records/s, median, higher is better)"'
    echo 'set yrange [0:*]'
    echo "plot $(cols "$work/chart-rps.dat")"
    echo 'set title "CPU seconds per GB replicated while draining (log scale, lower is better)"'
    echo 'set logscale y'
    echo 'set yrange [*:*]'
    echo "plot $(cols "$work/chart-cpu.dat")"
    echo 'set title "Peak RSS, MiB (log scale, lower is better)"'
    echo 'set yrange [1:*]'
    echo "plot $(cols "$work/chart-rss.dat")"
  else
    echo "set multiplot layout 1,1 title \"$title\""
  fi
  if [ "$has_lat" -gt 0 ]; then
    echo "set title \"Replication latency at ${rate:-a fixed load}, ms (log scale, lower is better)\""
    echo 'set logscale y'
    echo 'set yrange [1:*]'
    echo "plot '$work/chart-lat.dat' using 2:xtic(1) title \"p50\", '' using 3 title \"p99\""
  fi
  echo 'unset multiplot'
} | gnuplot
