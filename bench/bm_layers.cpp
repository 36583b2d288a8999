// Forward and backward of each layer type on its own, at the layer shapes of the training benchmarks:
// what a user profiling per layer wants to compare against. GFLOP/s for Linear, GB/s for the rest
// (bytes read and written by one call).
#include <benchmark/benchmark.h>

#include <memory>

#include "bench_context.hpp"
#include "nnfs/nnfs.hpp"

namespace {

enum class Phase { Forward, Backward };

// Times `layer` on a (batch, features) input; `bytes`/`flops` per call feed the counters.
void run(benchmark::State& state, nnfs::Module& layer, int64_t batch, int64_t features, Phase phase, double flops, double bytes) {
    nnfs::Tensor x({batch, features});
    nnfs::kernels::uniform_fill(x.data(), x.numel(), -2.0f, 2.0f, 1, 0);
    const nnfs::Tensor& y = layer.forward(x);
    nnfs::Tensor dy(y.shape());
    nnfs::kernels::uniform_fill(dy.data(), dy.numel(), -1.0f, 1.0f, 2, 0);
    for (auto _ : state) {
        if (phase == Phase::Forward) {
            benchmark::DoNotOptimize(layer.forward(x).data());
        } else {
            benchmark::DoNotOptimize(layer.backward(dy).data());
        }
    }
    if (flops > 0) state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_linear(benchmark::State& state, Phase phase) {
    const int64_t batch = state.range(0), in = state.range(1), out = state.range(2);
    nnfs::Linear layer(in, out);
    const double f = 2.0 * static_cast<double>(batch * in * out) * (phase == Phase::Forward ? 1 : 2);
    run(state, layer, batch, in, phase, f, 4.0 * static_cast<double>(batch * in + in * out + batch * out));
}

enum class Kind { ReLU, Sigmoid, Tanh, Softmax };

std::unique_ptr<nnfs::Module> make(Kind kind) {
    switch (kind) {
        case Kind::ReLU: return std::make_unique<nnfs::ReLU>();
        case Kind::Sigmoid: return std::make_unique<nnfs::Sigmoid>();
        case Kind::Tanh: return std::make_unique<nnfs::Tanh>();
        case Kind::Softmax: break;
    }
    return std::make_unique<nnfs::Softmax>();
}

void BM_activation(benchmark::State& state, Kind kind, Phase phase) {
    const int64_t batch = state.range(0), features = state.range(1);
    const auto layer = make(kind);
    run(state, *layer, batch, features, phase, 0, 4.0 * static_cast<double>(batch * features) * (phase == Phase::Forward ? 2 : 3));
}

void BM_batchnorm(benchmark::State& state, Phase phase) {
    const int64_t batch = state.range(0), features = state.range(1);
    nnfs::BatchNorm1d layer(features);
    run(state, layer, batch, features, phase, 0, 4.0 * static_cast<double>(batch * features) * (phase == Phase::Forward ? 3 : 4));
}

void BM_dropout(benchmark::State& state, Phase phase) {
    const int64_t batch = state.range(0), features = state.range(1);
    nnfs::Dropout layer(0.2f);
    run(state, layer, batch, features, phase, 0, 4.0 * static_cast<double>(batch * features) * 3);
}

void linear_shapes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"batch", "in", "out"});
    for (auto s : std::vector<std::vector<int64_t>>{{32, 4, 16}, {64, 64, 128}, {64, 784, 256}, {256, 784, 256}, {256, 256, 128}, {512, 1024, 1024}}) b->Args(s);
}
void activation_shapes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"batch", "features"});
    for (auto s : std::vector<std::vector<int64_t>>{{32, 16}, {64, 128}, {256, 256}, {256, 512}, {512, 1024}}) b->Args(s);
}

BENCHMARK_CAPTURE(BM_linear, forward, Phase::Forward)->Apply(linear_shapes);
BENCHMARK_CAPTURE(BM_linear, backward, Phase::Backward)->Apply(linear_shapes);
BENCHMARK_CAPTURE(BM_activation, relu_forward, Kind::ReLU, Phase::Forward)->Apply(activation_shapes);
BENCHMARK_CAPTURE(BM_activation, relu_backward, Kind::ReLU, Phase::Backward)->Apply(activation_shapes);
BENCHMARK_CAPTURE(BM_activation, sigmoid_forward, Kind::Sigmoid, Phase::Forward)->Apply(activation_shapes);
BENCHMARK_CAPTURE(BM_activation, tanh_forward, Kind::Tanh, Phase::Forward)->Apply(activation_shapes);
BENCHMARK_CAPTURE(BM_activation, softmax_forward, Kind::Softmax, Phase::Forward)->Apply(activation_shapes);
BENCHMARK_CAPTURE(BM_activation, softmax_backward, Kind::Softmax, Phase::Backward)->Apply(activation_shapes);
BENCHMARK_CAPTURE(BM_batchnorm, forward, Phase::Forward)->Apply(activation_shapes);
BENCHMARK_CAPTURE(BM_batchnorm, backward, Phase::Backward)->Apply(activation_shapes);
BENCHMARK_CAPTURE(BM_dropout, forward, Phase::Forward)->Apply(activation_shapes);

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    nnfs::bench::add_context();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
