#!/usr/bin/env python3
"""Markdown table of median GFLOP/s per shape from bm_gemm_peers JSON output.

usage: gemm_table.py PEERS.json [UNSET.json]
PEERS.json: a bm_gemm_peers run (libnnfs, oneDNN, OpenBLAS as the environment sets it), with
--benchmark_repetitions and aggregates; UNSET.json (optional): the OpenBLAS rows of a run with
OPENBLAS_CORETYPE unset. Prints one table per thread count: libnnfs, oneDNN, their ratio, OpenBLAS.
"""
import json
import re
import sys


def medians(path):
    out = {}
    for b in json.load(open(path))["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        m = re.match(r"(\w+)/(\w\w/\d+x\d+x\d+)/threads:(\d+)", b["name"])
        if m:
            out[(m.group(1), m.group(2), int(m.group(3)))] = b["GFLOP/s"] / 1e9 if b["GFLOP/s"] > 1e6 else b["GFLOP/s"]
    return out


def main():
    peers = medians(sys.argv[1])
    unset = medians(sys.argv[2]) if len(sys.argv) > 2 else {}
    shapes = sorted({k[1] for k in peers}, key=lambda s: (s.split("/")[0], [int(x) for x in s.split("/")[1].split("x")]))
    for threads in sorted({k[2] for k in peers}):
        print(f"\n### {threads} thread{'s' if threads > 1 else ''}\n")
        head = "| shape (op, MxNxK) | libnnfs | oneDNN | nnfs/oneDNN | OpenBLAS (env) |"
        print(head + (" OpenBLAS (CORETYPE unset) |" if unset else ""))
        print("|---|---:|---:|---:|---:|" + ("---:|" if unset else ""))
        for s in shapes:
            n, d, o = (peers.get((lib, s, threads)) for lib in ("nnfs", "onednn", "openblas"))
            if n is None or d is None:
                continue
            row = f"| {s} | {n:.1f} | {d:.1f} | {n / d:.2f} | " + (f"{o:.1f} |" if o is not None else "- |")
            if unset:
                u = unset.get(("openblas", s, threads))
                row += f" {u:.1f} |" if u is not None else " - |"
            print(row)


if __name__ == "__main__":
    main()
