#!/usr/bin/env python3
"""Training throughput of libnnfs against libtorch and NumPy, interleaved: each round runs every
configuration in bm_train_torch (libnnfs and libtorch side by side in one binary) and then in
bench/peers/train_numpy.py; the table gives the median samples/s over the rounds and the ratios. The
inference configurations (c_inf_b1, c_inf_b64: c in eval mode, forward only, batch 1 and 64) also get
their latency, microseconds per batch.

usage: scripts/compare_train.py [--build build/release] [--rounds 5] [--threads 1] [--configs a,b,...]
                                [--peers tuned|as-is]

Each library runs in its own process with its own environment, so one's tuning never slows another:
- libnnfs (bm_train_torch filtered to BM_nnfs): the environment as given.
- the peers (BM_torch in a second process, then NumPy): OMP_NUM_THREADS and OPENBLAS_NUM_THREADS set to
  --threads (at::set_num_threads does not reach OpenBLAS's own thread pool: without the variable a
  "1-thread" libtorch multiplies on every core), and with --peers tuned (the default) their best
  settings here: OPENBLAS_CORETYPE unset (OpenBLAS's AVX-512 kernels), OMP_WAIT_POLICY=passive, glibc
  malloc told to keep freed memory (MALLOC_TRIM_THRESHOLD_, MALLOC_MMAP_THRESHOLD_).
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
    ap.add_argument("--configs", default="a,b,c_b64,c_b256,d,e,c_inf_b1,c_inf_b64")
    ap.add_argument("--seconds", type=float, default=0.5, help="time per measurement")
    ap.add_argument("--peers", choices=("tuned", "as-is"), default="tuned")
    args = ap.parse_args()
    binary = os.path.join(args.build, "bench", "bm_train_torch")
    if not os.path.exists(binary):
        sys.exit(f"{binary} not found: build with libtorch-dev installed (target bm_train_torch)")
    configs = args.configs.split(",")
    results = {}  # (library, config) -> [samples/s]
    peer_env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads))
    if args.peers == "tuned":
        peer_env.pop("OPENBLAS_CORETYPE", None)
        peer_env.update(OMP_WAIT_POLICY="passive", MALLOC_TRIM_THRESHOLD_="1000000000",
                        MALLOC_MMAP_THRESHOLD_="1000000000")
    pattern = "/(" + "|".join(configs) + f")/threads:{args.threads}/"
    for r in range(args.rounds):
        for bm, env in (("BM_nnfs", os.environ), ("BM_torch", peer_env)):
            out = subprocess.run([binary, f"--benchmark_filter={bm}{pattern}", "--benchmark_format=json",
                                  f"--benchmark_min_time={args.seconds}"],
                                 check=True, capture_output=True, text=True, env=env).stdout
            for b in json.loads(out)["benchmarks"]:
                lib = "libnnfs" if b["name"].startswith("BM_nnfs") else "libtorch"
                results.setdefault((lib, b["name"].split("/")[1]), []).append(b["samples/s"])
        out = subprocess.run([sys.executable, os.path.join(HERE, "..", "bench", "peers", "train_numpy.py"),
                              "--configs", args.configs, "--seconds", str(args.seconds)],
                             check=True, capture_output=True, text=True, env=peer_env).stdout
        for line in out.splitlines():
            d = json.loads(line)
            results.setdefault(("numpy", d["config"]), []).append(d["samples_per_s"])
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    print(f"median samples/s over {args.rounds} interleaved rounds, {args.threads} thread(s), peers {args.peers}")
    print(f"{'config':9} {'libnnfs':>12} {'libtorch':>12} {'numpy':>12} {'vs torch':>9} {'vs numpy':>9}")
    libs = ("libnnfs", "libtorch", "numpy")
    med = {(lib, c): statistics.median(results.get((lib, c), [float('nan')])) for lib in libs for c in configs}
    for c in configs:
        m = [med[lib, c] for lib in libs]
        print(f"{c:9} {m[0]:12.0f} {m[1]:12.0f} {m[2]:12.0f} {m[0] / m[1]:8.2f}x {m[0] / m[2]:8.2f}x")
    batch = {"c_inf_b1": 1, "c_inf_b64": 64}
    inference = [c for c in configs if c in batch]
    if inference:
        print(f"\ninference latency, median microseconds per batch\n{'config':9} {'libnnfs':>12} {'libtorch':>12} {'numpy':>12}")
        for c in inference:
            print(f"{c:9} " + " ".join(f"{batch[c] / med[lib, c] * 1e6:12.2f}" for lib in libs))


if __name__ == "__main__":
    main()
