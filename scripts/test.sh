#!/usr/bin/env bash
# Builds and runs every test: an outside CMake project built against an installed libnnfs
# (find_package(nnfs CONFIG)), then the doctest suites in release, under ASan + UBSan, and under
# ThreadSanitizer with 2 OpenMP threads.
# Usage: scripts/test.sh [preset ...]   (default: release asan tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(release asan tsan)
# The asan and tsan presets build with clang (GCC 12 takes over 8 minutes per SGEMM translation unit
# under ASan + UBSan, clang about one), its sanitizer runtimes (libclang-rt: only a Recommends of clang,
# which install-deps.sh does not follow) and LLVM's libomp (and, for tsan, its Archer tool).
extra=()
[[ " ${presets[*]} " == *" asan "* || " ${presets[*]} " == *" tsan "* ]] && extra=(clang libclang-rt-14-dev libomp-14-dev)
bash scripts/install-deps.sh "${extra[@]}"

echo "=== consumer: find_package(nnfs) against an installed prefix"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --preset release >/dev/null
# Everything, not just the library: the install also holds the tools (nnfs-train, nnfs-predict).
cmake --build --preset release
cmake --install build/release --prefix "$prefix/install" >/dev/null
cmake -S examples/consumer -B "$prefix/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix/install" >/dev/null
cmake --build "$prefix/build"
"$prefix/build/consumer"

echo "=== installed tools: nnfs-train finds its bundled data in share/nnfs/data"
"$prefix/install/bin/nnfs-train" --data iris --epochs 3 --out "$prefix/tool-out" --save "$prefix/iris.nnfs" >/dev/null
"$prefix/install/bin/nnfs-predict" "$prefix/iris.nnfs" "$prefix/tool-out/validation.csv" --out "$prefix/predictions.txt" >/dev/null
echo "ok"

bash scripts/valgrind-demo.sh  # the demos under valgrind memcheck (seconds: the release build exists)

for preset in "${presets[@]}"; do
  echo "=== ${preset}: build and test"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
done

# Fuzzing: each libFuzzer target for NNFS_FUZZ_SECONDS (default 40; 0 skips), where clang++ can link
# libFuzzer and OpenMP (Debian: clang, libclang-rt-dev, libomp-dev); scripts/fuzz.sh fails on any finding.
fuzz_seconds=${NNFS_FUZZ_SECONDS:-40}
if [ "$fuzz_seconds" = 0 ]; then
  echo "=== fuzz: skipped (NNFS_FUZZ_SECONDS=0)"
elif command -v clang++ >/dev/null &&
     echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
       clang++ -fsanitize=fuzzer -fopenmp -x c++ - -o /dev/null 2>/dev/null; then
  echo "=== fuzz: ${fuzz_seconds} s per target"
  bash scripts/fuzz.sh "$fuzz_seconds"
else
  echo "=== fuzz: skipped (no clang++ that links libFuzzer and OpenMP: apt-get install clang libclang-rt-dev libomp-dev)"
fi
