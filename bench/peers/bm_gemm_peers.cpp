// libnnfs SGEMM against its peers on the same operands in the same binary: OpenBLAS cblas_sgemm and
// oneDNN dnnl_sgemm (each compiled in only when CMake found it). Built as bm_gemm_peers, an optional
// target. Names: <lib>/<op(A)op(B)>/<M>x<N>x<K>/threads:<n>; counter GFLOP/s (2 M N K per call).
// Interleave the libraries run by run with --benchmark_enable_random_interleaving=true and take medians:
//   ./build/release/bench/bm_gemm_peers --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
//       --benchmark_report_aggregates_only=true
// OpenBLAS honours OPENBLAS_CORETYPE (this machine's environment sets Haswell: AVX2 kernels); run once
// as set and once with `env -u OPENBLAS_CORETYPE` (the context records the core OpenBLAS chose).
// Threads: libnnfs through nnfs::set_num_threads, OpenBLAS through openblas_set_num_threads, oneDNN
// (OpenMP runtime) through omp_set_num_threads, all set before each benchmark.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "nnfs/kernels.hpp"
#include "nnfs/runtime.hpp"

#include "../gemm_shapes.hpp"

#include "../bench_context.hpp"

#ifdef NNFS_HAVE_OPENBLAS
#include <cblas.h>
#endif
#ifdef NNFS_HAVE_DNNL
#include <dnnl.h>
#endif

namespace k = nnfs::kernels;
using k::Trans;

namespace {

using Shape = nnfs::bench::GemmShape;

enum class Lib { Nnfs, OpenBlas, Dnnl };

void set_threads(int threads) {
    nnfs::set_num_threads(threads);
#ifdef NNFS_HAVE_OPENBLAS
    openblas_set_num_threads(threads);
#endif
    omp_set_num_threads(threads);  // oneDNN's OpenMP runtime (this is a benchmark program, not the library)
}

void bm(benchmark::State& state, Lib lib, Shape s, int threads) {
    set_threads(threads);
    nnfs::bench::GemmOperands o(s);
    const int64_t lda = s.lda(), ldb = s.ldb();
    for (auto _ : state) {
        switch (lib) {
            case Lib::Nnfs:
                k::sgemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, o.A.data(), lda, o.B.data(), ldb, 0.0f, o.C.data(), s.N);
                break;
            case Lib::OpenBlas:
#ifdef NNFS_HAVE_OPENBLAS
                cblas_sgemm(CblasRowMajor, s.ta == Trans::No ? CblasNoTrans : CblasTrans,
                            s.tb == Trans::No ? CblasNoTrans : CblasTrans, static_cast<blasint>(s.M),
                            static_cast<blasint>(s.N), static_cast<blasint>(s.K), 1.0f, o.A.data(),
                            static_cast<blasint>(lda), o.B.data(), static_cast<blasint>(ldb), 0.0f, o.C.data(),
                            static_cast<blasint>(s.N));
#endif
                break;
            case Lib::Dnnl:
#ifdef NNFS_HAVE_DNNL
                dnnl_sgemm(s.ta == Trans::No ? 'N' : 'T', s.tb == Trans::No ? 'N' : 'T', s.M, s.N, s.K, 1.0f,
                           o.A.data(), lda, o.B.data(), ldb, 0.0f, o.C.data(), s.N);
#endif
                break;
        }
        benchmark::DoNotOptimize(o.C.data());
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(1e-9 * s.flops(), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<Shape> shapes;
    for (int64_t n : {128, 256, 512, 1024, 2048})
        for (Trans ta : {Trans::No, Trans::Yes})
            for (Trans tb : {Trans::No, Trans::Yes})
                if (ta == Trans::No || tb == Trans::No) shapes.push_back({ta, tb, n, n, n});  // NN, NT, TN
    for (const Shape& s : nnfs::bench::layer_shapes()) shapes.push_back(s);

    std::vector<std::pair<Lib, const char*>> libs{{Lib::Nnfs, "nnfs"}};
#ifdef NNFS_HAVE_OPENBLAS
    libs.push_back({Lib::OpenBlas, "openblas"});
#endif
#ifdef NNFS_HAVE_DNNL
    libs.push_back({Lib::Dnnl, "onednn"});
#endif
    for (const Shape& s : shapes)
        for (int threads : {1, 2})
            for (const auto& [lib, lib_name] : libs) {
                const std::string name = std::string(lib_name) + "/" + s.label() + "/threads:" + std::to_string(threads);
                benchmark::RegisterBenchmark(name.c_str(), bm, lib, s, threads)->UseRealTime();
            }

    nnfs::bench::add_context();
    const char* coretype = std::getenv("OPENBLAS_CORETYPE");
    benchmark::AddCustomContext("OPENBLAS_CORETYPE", coretype ? coretype : "(unset)");
#ifdef NNFS_HAVE_OPENBLAS
    benchmark::AddCustomContext("openblas_corename", openblas_get_corename());
#endif
#ifdef NNFS_HAVE_DNNL
    const dnnl_version_t* v = dnnl_version();
    benchmark::AddCustomContext("onednn_version", std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                                                      std::to_string(v->patch) + " cpu_runtime " +
                                                      std::to_string(v->cpu_runtime));
#endif
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
