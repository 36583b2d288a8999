// SGEMM throughput (GFLOP/s = 2 M N K per call) of nnfs::kernels::sgemm: squares 64..2048 and the
// layer shapes of an MNIST MLP, for every instruction set this CPU runs and 1 and 2 threads.
// Names: sgemm/<op(A)op(B)>/<M>x<N>x<K>/<isa>/threads:<n>, e.g. sgemm/NT/64x128x784/avx512/threads:1.
//   ./build/release/bench/bm_gemm --benchmark_filter='avx512/threads:1' --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
// Every ISA up to the current one (NNFS_MAX_ISA caps the list). Context keys: those of bench_context.hpp
// (nnfs_kernels: what the dispatcher picks by default, nnfs_default_threads, nnfs_revision) and
// nnfs_supported_isa.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench_context.hpp"
#include "gemm_shapes.hpp"
#include "nnfs/kernels.hpp"
#include "nnfs/runtime.hpp"

namespace k = nnfs::kernels;
using k::Trans;

namespace {

using Shape = nnfs::bench::GemmShape;

void bm_sgemm(benchmark::State& state, Shape s, k::Isa isa, int threads) {
    const k::Isa saved_isa = k::current_isa();
    const int saved_threads = nnfs::get_num_threads();
    k::set_max_isa(isa);
    nnfs::set_num_threads(threads);
    nnfs::bench::GemmOperands o(s);
    for (auto _ : state) {
        k::sgemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, o.A.data(), s.lda(), o.B.data(), s.ldb(), 0.0f, o.C.data(), s.N);
        benchmark::DoNotOptimize(o.C.data());
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(1e-9 * s.flops(), benchmark::Counter::kIsIterationInvariantRate);
    k::set_max_isa(saved_isa);
    nnfs::set_num_threads(saved_threads);
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
    for (const Shape& s : nnfs::bench::layer_shapes()) shapes.push_back(s);

    std::vector<k::Isa> isas;
    for (k::Isa isa : {k::Isa::AVX512, k::Isa::AVX2, k::Isa::SSE2})
        if (static_cast<int>(isa) <= static_cast<int>(k::current_isa())) isas.push_back(isa);  // NNFS_MAX_ISA caps

    for (const Shape& s : shapes)
        for (k::Isa isa : isas)
            for (int threads : {1, 2}) {
                const std::string name =
                    "sgemm/" + s.label() + "/" + k::isa_name(isa) + "/threads:" + std::to_string(threads);
                benchmark::RegisterBenchmark(name.c_str(), bm_sgemm, s, isa, threads)->UseRealTime();
            }

    nnfs::bench::add_context();
    benchmark::AddCustomContext("nnfs_supported_isa", k::isa_name(k::supported_isa()));
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
