#!/usr/bin/env bash
# Builds and runs every test: an outside CMake project built against an installed libnnfs
# (find_package(nnfs CONFIG)), then the doctest suites in release and under ASan + UBSan.
# Usage: scripts/test.sh [preset ...]   (default: release asan)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(release asan)

echo "=== consumer: find_package(nnfs) against an installed prefix"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --preset release >/dev/null
cmake --build --preset release --target nnfs
cmake --install build/release --prefix "$prefix/install" >/dev/null
cmake -S examples/consumer -B "$prefix/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix/install" >/dev/null
cmake --build "$prefix/build"
"$prefix/build/consumer"

for preset in "${presets[@]}"; do
  echo "=== ${preset}: build and test"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
done
