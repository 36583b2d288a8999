// SGEMM throughput (GFLOP/s = 2 M N K per call) of nnfs::kernels::sgemm: squares 64..2048 and the
// layer shapes of an MNIST MLP, for every instruction set this CPU runs and 1 and 2 threads.
// Names: sgemm/<op(A)op(B)>/<M>x<N>x<K>/<isa>/threads:<n>, e.g. sgemm/NT/64x128x784/avx512/threads:1.
//   ./build/release/bench/bm_gemm --benchmark_filter='avx512/threads:1' --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
// Every ISA up to the current one (NNFS_MAX_ISA caps the list). Context keys: nnfs_kernel_info (what the
// dispatcher picks by default), nnfs_supported_isa, nnfs_threads_max.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "nnfs/kernels.hpp"
#include "nnfs/runtime.hpp"

namespace k = nnfs::kernels;
using k::Trans;

namespace {

struct Shape {
    Trans ta, tb;
    int64_t M, N, K;
};

std::vector<float> random_vector(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = u(rng);
    return v;
}

void bm_sgemm(benchmark::State& state, Shape s, k::Isa isa, int threads) {
    const k::Isa saved_isa = k::current_isa();
    const int saved_threads = nnfs::get_num_threads();
    k::set_max_isa(isa);
    nnfs::set_num_threads(threads);
    const int64_t lda = s.ta == Trans::No ? s.K : s.M, ldb = s.tb == Trans::No ? s.N : s.K;
    const std::vector<float> A = random_vector(static_cast<size_t>(s.M * s.K), 1);
    const std::vector<float> B = random_vector(static_cast<size_t>(s.K * s.N), 2);
    std::vector<float> C(static_cast<size_t>(s.M * s.N));
    for (auto _ : state) {
        k::sgemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N);
        benchmark::DoNotOptimize(C.data());
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(2e-9 * static_cast<double>(s.M * s.N * s.K),
                                                   benchmark::Counter::kIsIterationInvariantRate);
    k::set_max_isa(saved_isa);
    nnfs::set_num_threads(saved_threads);
}

std::string op_name(const Shape& s) {
    return std::string(s.ta == Trans::Yes ? "T" : "N") + (s.tb == Trans::Yes ? "T" : "N");
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<Shape> shapes;
    for (int64_t n : {64, 128, 256, 512, 1024, 2048}) {
        shapes.push_back({Trans::No, Trans::No, n, n, n});
        if (n >= 128) {
            shapes.push_back({Trans::No, Trans::Yes, n, n, n});
            shapes.push_back({Trans::Yes, Trans::No, n, n, n});
        }
    }
    // Layer shapes of a 784-256-128-10 MLP (forward x W^T is NT; backward dX = dY W is NN, dW = dY^T X is TN),
    // the 10-class head and the Iris layer (batch 32, 4 -> 16).
    const Shape layers[] = {
        {Trans::No, Trans::Yes, 64, 128, 784},  {Trans::No, Trans::Yes, 256, 256, 784},
        {Trans::No, Trans::No, 256, 784, 256},  {Trans::Yes, Trans::No, 256, 784, 256},
        {Trans::Yes, Trans::No, 784, 128, 64},  {Trans::No, Trans::No, 64, 784, 128},
        {Trans::No, Trans::Yes, 256, 10, 128},  {Trans::No, Trans::Yes, 32, 16, 4},
    };
    shapes.insert(shapes.end(), std::begin(layers), std::end(layers));

    std::vector<k::Isa> isas;
    for (k::Isa isa : {k::Isa::AVX512, k::Isa::AVX2, k::Isa::SSE2})
        if (static_cast<int>(isa) <= static_cast<int>(k::current_isa())) isas.push_back(isa);  // NNFS_MAX_ISA caps

    for (const Shape& s : shapes)
        for (k::Isa isa : isas)
            for (int threads : {1, 2}) {
                const std::string name = "sgemm/" + op_name(s) + "/" + std::to_string(s.M) + "x" + std::to_string(s.N) +
                                         "x" + std::to_string(s.K) + "/" + k::isa_name(isa) +
                                         "/threads:" + std::to_string(threads);
                benchmark::RegisterBenchmark(name.c_str(), bm_sgemm, s, isa, threads)->UseRealTime();
            }

    benchmark::AddCustomContext("nnfs_kernel_info", nnfs::kernel_info());
    benchmark::AddCustomContext("nnfs_supported_isa", k::isa_name(k::supported_isa()));
    benchmark::AddCustomContext("nnfs_threads_max", std::to_string(nnfs::get_num_threads()));
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
