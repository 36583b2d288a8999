// Bandwidth of the vector (non-GEMM) kernels: GB/s (bytes a call must read and write, each array
// once) per kernel, per instruction set (forced with set_max_isa; "ref" is the scalar reference),
// at sizes whose arrays live in L1, L2, L3 and DRAM of one core, next to a STREAM-like copy
// (std::memcpy) of the same arrays, all on one thread. Names: <kernel>/<level>/<isa>.
//   bm_kernels --benchmark_filter='/L2/' --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "bench_context.hpp"
#include "nnfs/kernels.hpp"

namespace k = nnfs::kernels;

namespace {

// Floats per array: at most 6 arrays of this size stay within the level (48 KB L1, 2 MB L2 per core;
// L3 sizes well past L2; DRAM past the last-level cache).
struct Level {
    const char* name;
    int64_t n;
};
const Level kLevels[] = {{"L1", int64_t{1} << 11}, {"L2", int64_t{1} << 16}, {"L3", int64_t{1} << 21}, {"DRAM", int64_t{1} << 26}};

// Six 64-byte-aligned arrays shared by all benchmarks: x (values in (0.01, 0.99): probabilities,
// logits, activations), t (targets in [0, 1]), g (gradients, small) read-only; y, z, w written.
struct Arrays {
    int64_t n = 0;
    float *x = nullptr, *t = nullptr, *g = nullptr, *y = nullptr, *z = nullptr, *w = nullptr;
    std::vector<int32_t> labels;
    std::vector<std::unique_ptr<float[], void (*)(float*)>> owned;

    void ensure(int64_t want) {
        if (want <= n) return;
        owned.clear();
        auto make = [&](float lo, float hi, uint64_t seed) {
            float* p = static_cast<float*>(::operator new[](static_cast<size_t>(want) * sizeof(float), std::align_val_t{64}));
            owned.emplace_back(p, [](float* q) { ::operator delete[](q, std::align_val_t{64}); });
            k::ref::uniform_fill(p, want, lo, hi, seed, 0);
            return p;
        };
        x = make(0.01f, 0.99f, 1);
        t = make(0.0f, 1.0f, 2);
        g = make(-1e-3f, 1e-3f, 3);
        y = make(0.0f, 1.0f, 4);
        z = make(0.0f, 1e-3f, 5);
        w = make(0.0f, 1e-3f, 6);
        labels.assign(static_cast<size_t>(want), 0);
        for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int32_t>(i * 7 % 10);
        n = want;
    }
};
Arrays& arrays() {
    static Arrays a;
    return a;
}

struct Kernel {
    const char* name;
    int bytes_per_element;  // read + written, each array once
    std::function<void(Arrays&, int64_t)> run;
};

// Row kernels work on rows of kCols (10: a classifier head; 1000 for the "_c1000" variants);
// BatchNorm and column sums on kFeatures columns.
constexpr int64_t kFeatures = 256;

std::vector<Kernel> kernels() {
    using A = Arrays;
    using k::Activation;
    return {
        {"copy_stream", 8, [](A& a, int64_t n) { std::memcpy(a.y, a.x, static_cast<size_t>(n) * sizeof(float)); }},
        {"fill", 4, [](A& a, int64_t n) { k::fill(a.y, 0.5f, n); }},
        {"multiply", 12, [](A& a, int64_t n) { k::multiply(a.y, a.x, a.t, n); }},
        {"relu_forward", 8, [](A& a, int64_t n) { k::activation_forward(Activation::ReLU, a.y, a.x, n); }},
        {"relu_backward", 12, [](A& a, int64_t n) { k::activation_backward(Activation::ReLU, a.y, a.g, a.x, n); }},
        {"sigmoid_forward", 8, [](A& a, int64_t n) { k::activation_forward(Activation::Sigmoid, a.y, a.x, n); }},
        {"sigmoid_backward", 12, [](A& a, int64_t n) { k::activation_backward(Activation::Sigmoid, a.y, a.g, a.x, n); }},
        {"tanh_forward", 8, [](A& a, int64_t n) { k::activation_forward(Activation::Tanh, a.y, a.x, n); }},
        {"tanh_backward", 12, [](A& a, int64_t n) { k::activation_backward(Activation::Tanh, a.y, a.g, a.x, n); }},
        {"softmax_forward_c10", 8, [](A& a, int64_t n) { k::softmax_forward(a.y, a.x, n / 10, 10); }},
        {"softmax_forward_c1000", 8, [](A& a, int64_t n) { k::softmax_forward(a.y, a.x, n / 1000, 1000); }},
        {"log_softmax_forward_c10", 8, [](A& a, int64_t n) { k::log_softmax_forward(a.y, a.x, n / 10, 10); }},
        {"softmax_backward_c10", 12, [](A& a, int64_t n) { k::softmax_backward(a.y, a.g, a.x, n / 10, 10); }},
        {"cross_entropy_forward_c10", 8,
         [](A& a, int64_t n) { benchmark::DoNotOptimize(k::cross_entropy_forward(a.y, a.x, a.labels.data(), n / 10, 10)); }},
        {"cross_entropy_backward_c10", 8,
         [](A& a, int64_t n) { k::cross_entropy_backward(a.y, a.x, a.labels.data(), n / 10, 10, 1e-3f); }},
        {"cross_entropy_prob_forward_c10", 12,
         [](A& a, int64_t n) { benchmark::DoNotOptimize(k::cross_entropy_prob_forward(a.y, a.x, a.t, n / 10, 10)); }},
        {"mse_forward", 8, [](A& a, int64_t n) { benchmark::DoNotOptimize(k::mse_forward(a.x, a.t, n)); }},
        {"mse_backward", 12, [](A& a, int64_t n) { k::mse_backward(a.y, a.x, a.t, n, 1e-3f); }},
        {"bce_forward", 8, [](A& a, int64_t n) { benchmark::DoNotOptimize(k::bce_forward(a.x, a.t, n)); }},
        {"bce_backward", 12, [](A& a, int64_t n) { k::bce_backward(a.y, a.x, a.t, n, 1e-3f); }},
        {"bce_logits_forward", 8, [](A& a, int64_t n) { benchmark::DoNotOptimize(k::bce_logits_forward(a.x, a.t, n)); }},
        {"bce_logits_backward", 12, [](A& a, int64_t n) { k::bce_logits_backward(a.y, a.x, a.t, n, 1e-3f); }},
        {"column_sum", 4, [](A& a, int64_t n) { k::column_sum(a.y, a.x, n / kFeatures, kFeatures, true); }},
        {"batchnorm_forward_train", 12,
         [](A& a, int64_t n) {
             k::batchnorm_forward_train(a.y, a.z, a.w, a.w + kFeatures, a.w + 2 * kFeatures, a.x, a.t, a.t, n / kFeatures,
                                        kFeatures, 1e-5f);
         }},
        {"batchnorm_forward_eval", 12,
         [](A& a, int64_t n) {
             k::batchnorm_forward_eval(a.y, a.z, a.w, a.x, a.t, a.t, a.g, a.t, n / kFeatures, kFeatures, 1e-5f);
         }},
        {"batchnorm_backward", 12,
         [](A& a, int64_t n) {
             k::batchnorm_backward(a.y, a.w, a.w + kFeatures, a.g, a.x, a.t, a.t, n / kFeatures, kFeatures, true);
         }},
        {"dropout_forward", 12, [](A& a, int64_t n) { k::dropout_forward(a.y, a.z, a.x, n, 0.2f, 7, 0); }},
        {"uniform_fill", 4, [](A& a, int64_t n) { k::uniform_fill(a.y, n, -1.0f, 1.0f, 7, 0); }},
        {"sgd_momentum", 20, [](A& a, int64_t n) { k::sgd_update(a.y, a.z, a.g, n, 1e-6f, 0.9f, 0.0f, false); }},
        {"adam", 28,
         [](A& a, int64_t n) { k::adam_update(a.y, a.z, a.w, a.g, n, 1e-6f, 0.9f, 0.999f, 1e-8f, 0.0f, false, 10); }},
    };
}

void bm_kernel(benchmark::State& state, const Kernel& kernel, int64_t n, k::Isa isa) {
    const k::Isa saved = k::current_isa();
    k::set_max_isa(isa);
    Arrays& a = arrays();
    a.ensure(n);
    kernel.run(a, n);  // warm the caches
    for (auto _ : state) {
        kernel.run(a, n);
        benchmark::ClobberMemory();
    }
    state.counters["GB/s"] = benchmark::Counter(static_cast<double>(kernel.bytes_per_element) * static_cast<double>(n) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel(k::isa_name(k::current_isa()));
    k::set_max_isa(saved);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<k::Isa> isas;
    for (k::Isa isa : {k::Isa::AVX512, k::Isa::AVX2, k::Isa::SSE2, k::Isa::Reference})
        if (static_cast<int>(isa) <= static_cast<int>(k::supported_isa())) isas.push_back(isa);
    static const std::vector<Kernel> all = kernels();
    for (const Kernel& kernel : all)
        for (const Level& level : kLevels)
            for (k::Isa isa : isas) {
                if (std::strcmp(kernel.name, "copy_stream") == 0 && isa != isas.front()) continue;  // ISA-independent
                const std::string name = std::string(kernel.name) + "/" + level.name + "/" + k::isa_name(isa);
                benchmark::RegisterBenchmark(name.c_str(), bm_kernel, kernel, level.n, isa)->UseRealTime();
            }
    nnfs::bench::add_context();
    benchmark::AddCustomContext("nnfs_supported_isa", k::isa_name(k::supported_isa()));
    // One thread, as the copy: GB/s of one core next to one core's copy (the elementwise kernels and
    // optimizer updates split long arrays among the threads; bm_train measures that).
    k::set_num_threads(1);
    benchmark::AddCustomContext("nnfs_bench_threads", "1");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
