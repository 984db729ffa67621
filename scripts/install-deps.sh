#!/usr/bin/env bash
# Installs what kmirror needs to build and test from Debian's packages, only if missing.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config
      librdkafka-dev librocksdb-dev libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
      libspdlog-dev libgtest-dev libgmock-dev libre2-dev libcli11-dev nlohmann-json3-dev libjemalloc-dev
      prometheus-cpp-dev libcpp-httplib-dev  # the metrics endpoint (src/metrics)
      prometheus  # Prometheus and promtool: tests/integration/metrics_test.cpp, deploy/ checks
      clang-format  # scripts/format.sh --check (ctest format.check)
      default-jre-headless maven
      python3-grpcio python3-grpc-tools)  # the Python example client (docs/examples/python), tested too
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# A JDK/JRE from elsewhere (e.g. a Temurin install) is fine too.
if command -v java >/dev/null 2>&1; then
  missing=("${missing[@]/default-jre-headless}")
fi
if command -v mvn >/dev/null 2>&1; then
  missing=("${missing[@]/maven}")
fi
read -r -a missing <<<"${missing[*]}"
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
