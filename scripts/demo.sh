#!/usr/bin/env bash
# Builds the library and the nnfs-train tool in release mode, then trains a 64-128-64-10 MLP on the bundled
# digits data (8x8 images, 10 classes) for a few seconds: progress, validation report, and the charts.
# (The original Iris demo is still there: build/release/examples/iris_demo.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target nnfs_train
out=nnfs-out/digits
./build/release/examples/tools/nnfs-train --data digits --hidden 128,64 --optimizer adam --lr 1e-3 \
  --batch-size 32 --epochs 20 --seed 42 --out "$out" --save "$out/model.nnfs"
echo
echo "report:  $out/report.txt"
echo "charts:  $out/curves.svg (loss and accuracy per epoch), $out/confusion.svg (validation confusion matrix)"
echo "predict: ./build/release/examples/tools/nnfs-predict $out/model.nnfs $out/validation.csv"
