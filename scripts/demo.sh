#!/usr/bin/env bash
# Builds the library in release mode and runs the demo: a 4-16-8-3 MLP trained on the bundled Iris data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target iris_demo
./build/release/examples/iris_demo data/iris.csv
