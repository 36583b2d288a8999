#!/usr/bin/env python3
"""Training throughput of libnnfs against libtorch and NumPy, interleaved: each round runs every
configuration in bm_train_torch (libnnfs and libtorch side by side in one binary) and then in
bench/peers/train_numpy.py; the table gives the median samples/s over the rounds and the ratios.

usage: scripts/compare_train.py [--build build/release] [--rounds 5] [--threads 1] [--configs a,b,...]
The environment decides the peers' settings (e.g. OPENBLAS_CORETYPE, OMP_WAIT_POLICY=passive,
MALLOC_TRIM_THRESHOLD_/MALLOC_MMAP_THRESHOLD_ for a tuned libtorch); run it under each and compare.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build", "release"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--configs", default="a,b,c_b64,c_b256,d,e")
    ap.add_argument("--seconds", type=float, default=0.5, help="time per measurement")
    args = ap.parse_args()
    binary = os.path.join(args.build, "bench", "bm_train_torch")
    if not os.path.exists(binary):
        sys.exit(f"{binary} not found: build with libtorch-dev installed (target bm_train_torch)")
    configs = args.configs.split(",")
    results = {}  # (library, config) -> [samples/s]
    for r in range(args.rounds):
        pattern = "/(" + "|".join(configs) + f")/threads:{args.threads}/"
        out = subprocess.run([binary, f"--benchmark_filter={pattern}", "--benchmark_format=json",
                              f"--benchmark_min_time={args.seconds}"], check=True, capture_output=True, text=True).stdout
        for b in json.loads(out)["benchmarks"]:
            lib = "libnnfs" if b["name"].startswith("BM_nnfs") else "libtorch"
            results.setdefault((lib, b["name"].split("/")[1]), []).append(b["samples/s"])
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads))
        out = subprocess.run([sys.executable, os.path.join(HERE, "..", "bench", "peers", "train_numpy.py"),
                              "--configs", args.configs, "--seconds", str(args.seconds)],
                             check=True, capture_output=True, text=True, env=env).stdout
        for line in out.splitlines():
            d = json.loads(line)
            results.setdefault(("numpy", d["config"]), []).append(d["samples_per_s"])
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    print(f"median samples/s over {args.rounds} interleaved rounds, {args.threads} thread(s)")
    print(f"{'config':8} {'libnnfs':>12} {'libtorch':>12} {'numpy':>12} {'vs torch':>9} {'vs numpy':>9}")
    for c in configs:
        med = {lib: statistics.median(results.get((lib, c), [float('nan')])) for lib in ("libnnfs", "libtorch", "numpy")}
        print(f"{c:8} {med['libnnfs']:12.0f} {med['libtorch']:12.0f} {med['numpy']:12.0f} "
              f"{med['libnnfs'] / med['libtorch']:8.2f}x {med['libnnfs'] / med['numpy']:8.2f}x")


if __name__ == "__main__":
    main()
