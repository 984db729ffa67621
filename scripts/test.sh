#!/usr/bin/env bash
# The whole test suite: install what is missing, fetch Kafka's jars (cached), build, and run
# unit + integration tests against real Kafka brokers. `scripts/test.sh -L unit` runs only
# the fast tests; any arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/fetch-kafka.sh >/dev/null
build=${KMIRROR_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKMIRROR_WERROR=ON >/dev/null
cmake --build "$build" -j2
cd "$build"
ctest --output-on-failure --timeout 1200 "$@"
