#!/usr/bin/env python3
"""The training configurations of bench/train_configs.hpp in NumPy: a correct batch-major MLP with
fused softmax-cross-entropy, BatchNorm1d, inverted Dropout and Adam (PyTorch's update rule), as a
careful NumPy user would write it; and c's inference (forward only, eval: Linear and ReLU) at batch 1 and
64. Prints one JSON line per configuration: {"config", "samples_per_s"}.

usage: train_numpy.py [--configs a,b,c_b64,...] [--seconds S]
"""
import argparse
import json
import time

import numpy as np

CONFIGS = {
    "a": ([4, 16, 8, 3], 32, False),
    "b": ([64, 128, 64, 10], 64, False),
    "c_b64": ([784, 256, 128, 10], 64, False),
    "c_b256": ([784, 256, 128, 10], 256, False),
    "d": ([784, 512, 256, 10], 256, True),
    "e": ([1024, 1024, 1024, 10], 512, False),
}
INFERENCE = {"c_inf_b1": ([784, 256, 128, 10], 1), "c_inf_b64": ([784, 256, 128, 10], 64)}


class Model:
    def __init__(self, sizes, bn_dropout, rng):
        f32 = np.float32
        self.sizes, self.bn_dropout, self.rng = sizes, bn_dropout, rng
        self.params = []
        for i in range(len(sizes) - 1):
            a = np.sqrt(6.0 / (sizes[i] + sizes[i + 1]))
            self.params += [rng.uniform(-a, a, (sizes[i + 1], sizes[i])).astype(f32), np.zeros(sizes[i + 1], f32)]
            if bn_dropout and i + 2 < len(sizes):
                self.params += [np.ones(sizes[i + 1], f32), np.zeros(sizes[i + 1], f32)]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self, x, y, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        n_layers = len(self.sizes) - 1
        caches, h, k = [], x, 0
        for i in range(n_layers):
            w, b = self.params[k], self.params[k + 1]
            z = h @ w.T + b
            cache = {"h": h, "k": k}
            k += 2
            if i + 1 < n_layers:
                if self.bn_dropout:
                    g, beta = self.params[k], self.params[k + 1]
                    mu, var = z.mean(0), z.var(0)
                    inv = 1.0 / np.sqrt(var + 1e-5)
                    xhat = (z - mu) * inv
                    cache.update(bn=(xhat, inv, g, k))
                    z = g * xhat + beta
                    k += 2
                a = np.maximum(z, 0)
                cache["relu"] = z > 0
                if self.bn_dropout:
                    mask = (self.rng.random(a.shape, dtype=np.float32) >= 0.2) / np.float32(0.8)
                    a = a * mask
                    cache["mask"] = mask
                h = a
            else:
                h = z
            caches.append(cache)
        # fused softmax + cross-entropy (mean)
        m = h.max(1, keepdims=True)
        e = np.exp(h - m)
        s = e.sum(1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) + m[:, 0] - h[np.arange(len(y)), y]))
        d = e / s
        d[np.arange(len(y)), y] -= 1
        d /= len(y)
        grads = [None] * len(self.params)
        for i in reversed(range(n_layers)):
            c = caches[i]
            if i + 1 < n_layers:
                if "mask" in c:
                    d = d * c["mask"]
                d = d * c["relu"]
                if "bn" in c:
                    xhat, inv, g, kb = c["bn"]
                    grads[kb], grads[kb + 1] = (d * xhat).sum(0), d.sum(0)
                    n = d.shape[0]
                    d = g * inv / n * (n * d - grads[kb + 1] - xhat * grads[kb])
            kw = c["k"]
            grads[kw], grads[kw + 1] = d.T @ c["h"], d.sum(0)
            if i > 0:
                d = d @ self.params[kw]
        self.t += 1
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p, g, m_, v_ in zip(self.params, grads, self.m, self.v):
            m_ *= b1
            m_ += (1 - b1) * g
            v_ *= b2
            v_ += (1 - b2) * g * g
            p -= (lr / c1) * m_ / (np.sqrt(v_) / np.sqrt(c2) + eps)
        return loss


    def predict(self, x):
        """Eval-mode forward (no BatchNorm or Dropout in the inference configurations): logits."""
        h = x
        for i in range(len(self.sizes) - 1):
            h = h @ self.params[2 * i].T + self.params[2 * i + 1]
            if i + 2 < len(self.sizes):
                np.maximum(h, 0, out=h)
        return h


def measure(name, seconds):
    rng = np.random.default_rng(0)
    if name in INFERENCE:
        sizes, batch = INFERENCE[name]
        model = Model(sizes, False, rng)
        x = rng.uniform(-1, 1, (batch, sizes[0])).astype(np.float32)
        run = lambda step: model.predict(x)
    else:
        sizes, batch, bn_dropout = CONFIGS[name]
        model = Model(sizes, bn_dropout, rng)
        batches = [(rng.uniform(-1, 1, (batch, sizes[0])).astype(np.float32),
                    (np.arange(batch) * 7 + s) % sizes[-1]) for s in (1, 2)]
        run = lambda step: model.step(*batches[step % 2])
    for step in range(3):
        run(step)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        run(steps)
        steps += 1
    return steps * batch / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", default=",".join(list(CONFIGS) + list(INFERENCE)))
    ap.add_argument("--seconds", type=float, default=1.0)
    args = ap.parse_args()
    for name in args.configs.split(","):
        print(json.dumps({"config": name, "samples_per_s": measure(name, args.seconds)}), flush=True)


if __name__ == "__main__":
    main()
