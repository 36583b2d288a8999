// Full training steps (zero_grad, forward, CrossEntropy, backward, Adam step) in samples/s, and
// inference latency, for the configurations of the project's performance issue:
//   a 4-16-8-3 b32 | b 64-128-64-10 b64 | c 784-256-128-10 b64, b256 |
//   d 784-512-BN-ReLU-Drop(0.2)-256-BN-ReLU-Drop(0.2)-10 b256 | e 1024-1024-1024-10 b512 | c inference b1, b64
// Argument 1 of each benchmark is the thread count.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "bench_context.hpp"
#include "nnfs/nnfs.hpp"

namespace {

struct Config {
    std::vector<int64_t> sizes;  // input, hidden..., classes
    int64_t batch;
    bool batchnorm_dropout = false;
};

void build(nnfs::Sequential& net, const Config& c) {
    for (size_t i = 0; i + 1 < c.sizes.size(); ++i) {
        net.emplace<nnfs::Linear>(c.sizes[i], c.sizes[i + 1]);
        if (i + 2 == c.sizes.size()) break;
        if (c.batchnorm_dropout) net.emplace<nnfs::BatchNorm1d>(c.sizes[i + 1]);
        net.emplace<nnfs::ReLU>();
        if (c.batchnorm_dropout) net.emplace<nnfs::Dropout>(0.2f);
    }
}

struct Batch {
    nnfs::Tensor x;
    std::vector<int32_t> y;
    Batch(int64_t batch, int64_t features, int64_t classes, uint64_t seed) : x({batch, features}), y(static_cast<size_t>(batch)) {
        nnfs::kernels::uniform_fill(x.data(), x.numel(), -1.0f, 1.0f, seed, 0);
        for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<int32_t>((i * 7 + seed) % static_cast<size_t>(classes));
    }
};

void BM_train_step(benchmark::State& state, Config c) {
    nnfs::set_num_threads(static_cast<int>(state.range(0)));
    nnfs::manual_seed(0);
    nnfs::Sequential net;
    build(net, c);
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

void BM_inference(benchmark::State& state, Config c) {
    nnfs::set_num_threads(static_cast<int>(state.range(0)));
    nnfs::manual_seed(0);
    nnfs::Sequential net;
    build(net, c);
    net.eval();
    const Batch b(c.batch, c.sizes.front(), c.sizes.back(), 3);
    for (auto _ : state) benchmark::DoNotOptimize(net.forward(b.x).data());
    state.counters["samples/s"] = benchmark::Counter(static_cast<double>(c.batch), benchmark::Counter::kIsIterationInvariantRate);
}

const Config kA{{4, 16, 8, 3}, 32};
const Config kB{{64, 128, 64, 10}, 64};
const Config kC64{{784, 256, 128, 10}, 64};
const Config kC256{{784, 256, 128, 10}, 256};
const Config kD{{784, 512, 256, 10}, 256, true};
const Config kE{{1024, 1024, 1024, 10}, 512};

#define NNFS_TRAIN_BENCH(name, config) \
    BENCHMARK_CAPTURE(BM_train_step, name, config)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()

NNFS_TRAIN_BENCH(a_4_16_8_3_b32, kA);
NNFS_TRAIN_BENCH(b_64_128_64_10_b64, kB);
NNFS_TRAIN_BENCH(c_784_256_128_10_b64, kC64);
NNFS_TRAIN_BENCH(c_784_256_128_10_b256, kC256);
NNFS_TRAIN_BENCH(d_784_512bn_256bn_10_b256, kD);
NNFS_TRAIN_BENCH(e_1024x3_10_b512, kE);
BENCHMARK_CAPTURE(BM_inference, c_b1, (Config{{784, 256, 128, 10}, 1}))->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_inference, c_b64, kC64)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    nnfs::bench::add_context();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
