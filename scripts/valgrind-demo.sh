#!/usr/bin/env bash
# Runs the demos under valgrind memcheck: examples/iris_demo (200 epochs of the notebook's model),
# then nnfs-train on iris for a few epochs with BatchNorm and Dropout, --save, and nnfs-predict on the
# saved model. Any memcheck error or leak fails (exit status 1).
#
# Valgrind 3.19 emulates no AVX-512, and the CPUID it shows the program says so: on an AVX-512 host,
# __builtin_cpu_supports("avx512f") and xsimd both report no AVX-512 under valgrind but AVX2 and FMA,
# so the kernels pick AVX2 + FMA by themselves (iris_demo prints "kernels: ..."). The script checks that
# rather than assuming it; NNFS_MAX_ISA=avx2 would be the cap if a valgrind ever claimed AVX-512.
# Usage: scripts/valgrind-demo.sh   (builds the release preset's iris_demo, nnfs-train, nnfs-predict)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh valgrind
cmake --preset release >/dev/null
cmake --build --preset release --target iris_demo nnfs_train nnfs_predict
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Definite, indirect and possible leaks count as errors. "Still reachable" blocks do not: libgomp's
# initializer keeps 8 bytes for the life of the process (pointed to at exit, never a leak).
# --track-origins names where an uninitialised value came from.
vg=(valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible
    --track-origins=yes)

echo "=== valgrind: iris_demo"
"${vg[@]}" build/release/examples/iris_demo | tee "$out/iris.txt"
kernels=$(grep '^kernels:' "$out/iris.txt")
case "$kernels" in
  *avx512*) echo "error: the kernels chose AVX-512 under valgrind, which cannot run it" >&2; exit 1 ;;
esac

echo "=== valgrind: nnfs-train --data iris (BatchNorm, Dropout, 5 epochs, --save)"
"${vg[@]}" build/release/examples/tools/nnfs-train --data iris --hidden 16,8 --batchnorm --dropout 0.2 \
  --epochs 5 --out "$out/train" --save "$out/iris.nnfs" >/dev/null
echo "=== valgrind: nnfs-predict"
"${vg[@]}" build/release/examples/tools/nnfs-predict "$out/iris.nnfs" "$out/train/validation.csv" \
  --out "$out/pred.txt" 2>/dev/null
echo "valgrind: clean ($kernels)"
