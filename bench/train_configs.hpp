// The training configurations of the performance issue, shared by bm_train and the peer comparison.
//   a 4-16-8-3 b32 | b 64-128-64-10 b64 | c 784-256-128-10 b64, b256 |
//   d 784-512-BN-ReLU-Drop(0.2)-256-BN-ReLU-Drop(0.2)-10 b256 | e 1024-1024-1024-10 b512
// All: ReLU, CrossEntropy on logits, Adam lr 1e-3. Inference (eval, forward only): c at batch 1 and 64.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "nnfs/nnfs.hpp"

namespace nnfs::bench {

struct TrainConfig {
    std::vector<int64_t> sizes;  // input, hidden..., classes
    int64_t batch;
    bool batchnorm_dropout = false;
};

inline const TrainConfig kConfigA{{4, 16, 8, 3}, 32};
inline const TrainConfig kConfigB{{64, 128, 64, 10}, 64};
inline const TrainConfig kConfigC64{{784, 256, 128, 10}, 64};
inline const TrainConfig kConfigC256{{784, 256, 128, 10}, 256};
inline const TrainConfig kConfigD{{784, 512, 256, 10}, 256, true};
inline const TrainConfig kConfigE{{1024, 1024, 1024, 10}, 512};
inline const TrainConfig kInferenceC1{{784, 256, 128, 10}, 1};
inline const TrainConfig kInferenceC64{{784, 256, 128, 10}, 64};

// Linear, then (BatchNorm1d,) ReLU, (Dropout(0.2)) between layers.
inline void build(nnfs::Sequential& net, const TrainConfig& c) {
    for (size_t i = 0; i + 1 < c.sizes.size(); ++i) {
        net.emplace<nnfs::Linear>(c.sizes[i], c.sizes[i + 1]);
        if (i + 2 == c.sizes.size()) break;
        if (c.batchnorm_dropout) net.emplace<nnfs::BatchNorm1d>(c.sizes[i + 1]);
        net.emplace<nnfs::ReLU>();
        if (c.batchnorm_dropout) net.emplace<nnfs::Dropout>(0.2f);
    }
}

// A fixed batch of uniform features in [-1, 1) and labels cycling through the classes.
struct Batch {
    nnfs::Tensor x;
    std::vector<int32_t> y;
    Batch(int64_t batch, int64_t features, int64_t classes, uint64_t seed) : x({batch, features}), y(static_cast<size_t>(batch)) {
        nnfs::kernels::uniform_fill(x.data(), x.numel(), -1.0f, 1.0f, seed, 0);
        for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<int32_t>((i * 7 + seed) % static_cast<size_t>(classes));
    }
};

// Times libnnfs training steps (zero_grad, forward, CrossEntropy, backward, Adam step) over two alternating
// batches; argument 0 of the benchmark is the thread count. Reports samples/s.
inline void train_steps(benchmark::State& state, const TrainConfig& c) {
    nnfs::set_num_threads(static_cast<int>(state.range(0)));
    nnfs::manual_seed(0);
    nnfs::Sequential net;
    build(net, c);
    net.set_requires_input_grad(false);  // nobody uses the gradient of the data
    nnfs::Adam opt(net.parameters(), {.lr = 1e-3f});
    nnfs::CrossEntropyLoss loss;
    const Batch b1(c.batch, c.sizes.front(), c.sizes.back(), 1), b2(c.batch, c.sizes.front(), c.sizes.back(), 2);
    int64_t step = 0;
    for (auto _ : state) {
        const Batch& b = (step++ % 2) ? b1 : b2;
        opt.zero_grad();
        benchmark::DoNotOptimize(loss.forward(net.forward(b.x), b.y));
        net.backward(loss.backward());
        opt.step();
    }
    state.counters["samples/s"] = benchmark::Counter(static_cast<double>(c.batch), benchmark::Counter::kIsIterationInvariantRate);
}

// Times libnnfs inference: the model in eval mode, forward only, on one fixed batch; argument 0 of the
// benchmark is the thread count. Reports samples/s.
inline void inference_steps(benchmark::State& state, const TrainConfig& c) {
    nnfs::set_num_threads(static_cast<int>(state.range(0)));
    nnfs::manual_seed(0);
    nnfs::Sequential net;
    build(net, c);
    net.eval();
    const Batch b(c.batch, c.sizes.front(), c.sizes.back(), 3);
    for (auto _ : state) benchmark::DoNotOptimize(net.forward(b.x).data());
    state.counters["samples/s"] = benchmark::Counter(static_cast<double>(c.batch), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace nnfs::bench
