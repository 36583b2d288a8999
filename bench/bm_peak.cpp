// The machine's FP32 FMA peak for one thread, per instruction set: 12 independent accumulator chains of
// vfmadd (enough to cover the FMA latency on two FMA ports), nothing loaded or stored. The yardstick for
// "percent of peak" in bm_gemm and the SGEMM targets. Counter GFLOP/s (2 flops per lane per FMA).
//   ./build/release/bench/bm_peak --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Each ISA's loop is compiled for that ISA alone (function target attributes) and runs only when the CPU
// supports it.
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <cstdint>

namespace {

constexpr int64_t kIters = 1 << 20;  // FMAs per chain per benchmark iteration

#define NNFS_PEAK_CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

__attribute__((target("avx512f"))) float fma_chains_avx512() {
    const __m512 b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(-1e-7f);
#define DECL(i) __m512 a##i = _mm512_set1_ps(0.5f + i);
    NNFS_PEAK_CHAINS(DECL)
#undef DECL
    for (int64_t n = 0; n < kIters; ++n) {
#define STEP(i) a##i = _mm512_fmadd_ps(a##i, b, c);
        NNFS_PEAK_CHAINS(STEP)
#undef STEP
    }
    __m512 s = _mm512_setzero_ps();
#define SUM(i) s = _mm512_add_ps(s, a##i);
    NNFS_PEAK_CHAINS(SUM)
#undef SUM
    alignas(64) float out[16];
    _mm512_store_ps(out, s);
    return out[0];
}

__attribute__((target("avx2,fma"))) float fma_chains_avx2() {
    const __m256 b = _mm256_set1_ps(1.0000001f), c = _mm256_set1_ps(-1e-7f);
#define DECL(i) __m256 a##i = _mm256_set1_ps(0.5f + i);
    NNFS_PEAK_CHAINS(DECL)
#undef DECL
    for (int64_t n = 0; n < kIters; ++n) {
#define STEP(i) a##i = _mm256_fmadd_ps(a##i, b, c);
        NNFS_PEAK_CHAINS(STEP)
#undef STEP
    }
    __m256 s = _mm256_setzero_ps();
#define SUM(i) s = _mm256_add_ps(s, a##i);
    NNFS_PEAK_CHAINS(SUM)
#undef SUM
    alignas(32) float out[8];
    _mm256_store_ps(out, s);
    return out[0];
}

void bm_peak(benchmark::State& state, bool supported, float (*chains)(), int lanes) {
    if (!supported) {
        state.SkipWithError("not supported by this CPU");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(chains());
    state.counters["GFLOP/s"] =
        benchmark::Counter(1e-9 * 2.0 * lanes * 12 * static_cast<double>(kIters), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK_CAPTURE(bm_peak, avx512, __builtin_cpu_supports("avx512f"), fma_chains_avx512, 16)->UseRealTime();
BENCHMARK_CAPTURE(bm_peak, avx2, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"), fma_chains_avx2, 8)
    ->UseRealTime();

BENCHMARK_MAIN();
