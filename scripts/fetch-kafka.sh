#!/usr/bin/env bash
# Fetches Apache Kafka (broker, tools and, with --with-mm2, MirrorMaker 2) as jars from Maven
# Central into a cache outside the build tree, once. Prints the libs directory on stdout.
#
#   scripts/fetch-kafka.sh [--with-mm2]
#
# KMIRROR_CACHE overrides the cache root (default ~/.cache/kmirror).
set -euo pipefail
KAFKA_VERSION=3.8.1
SLF4J_VERSION=1.7.36
cache=${KMIRROR_CACHE:-$HOME/.cache/kmirror}
with_mm2=0
[ "${1:-}" = "--with-mm2" ] && with_mm2=1

fetch() { # fetch NAME ARTIFACT...
  local name=$1; shift
  local dest="$cache/$name/libs"
  if [ -f "$dest/.complete" ]; then echo "$dest"; return; fi
  local work; work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  {
    echo '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
    echo "<groupId>kmirror</groupId><artifactId>fetch-$name</artifactId><version>1</version><dependencies>"
    local a
    for a in "$@"; do
      IFS=: read -r g id v <<<"$a"
      echo "<dependency><groupId>$g</groupId><artifactId>$id</artifactId><version>$v</version></dependency>"
    done
    echo '</dependencies></project>'
  } >"$work/pom.xml"
  echo "fetching $name ($*) from Maven Central into $dest" >&2
  rm -rf "$dest"; mkdir -p "$dest"
  mvn -q -B -f "$work/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$dest" -DincludeScope=runtime >&2
  touch "$dest/.complete"
  echo "$dest"
}

common=("org.slf4j:slf4j-reload4j:$SLF4J_VERSION")
fetch "kafka-$KAFKA_VERSION" \
  "org.apache.kafka:kafka_2.13:$KAFKA_VERSION" \
  "org.apache.kafka:kafka-tools:$KAFKA_VERSION" \
  "${common[@]}"
if [ $with_mm2 = 1 ]; then
  fetch "mm2-$KAFKA_VERSION" \
    "org.apache.kafka:connect-mirror:$KAFKA_VERSION" \
    "org.apache.kafka:connect-runtime:$KAFKA_VERSION" \
    "org.apache.kafka:kafka-tools:$KAFKA_VERSION" \
    "${common[@]}" >/dev/null
fi
