// The dispatched SGEMM: picks the implementation of the current instruction set, the small-M path for
// C of at most kSmallMMax rows, the dot-product path for x W^T at small batches, the direct path for
// small problems, narrow C and small op(B), the no-copy path for op(A) B with B within L2, the packed path
// otherwise, and splits C among OpenMP threads.
// Compiled for baseline x86-64; the arithmetic lives in kernels/isa/gemm_<isa>.cpp.
//
// Threads: C is cut into one rectangle per thread, along M at multiples of MR (the threads then share
// the packed B panels, GemmTeam) or along N at multiples of NR (each thread runs the whole packed
// algorithm on its columns with its own buffers); the direct, dot-product and no-copy paths: along M at
// multiples of their tile height. Tiles stay on one grid, the path and the kc blocks depend on the
// problem only (its shape, and for the dot-product path the operands' alignment), never on the thread
// count, and K is never split among threads, so every C element is computed by the same sequence of
// operations for any thread count: results are bitwise identical.
#include <omp.h>

#include <cstdint>
#include <cstdlib>
#include <new>

#include "denormal_scope.hpp"
#include "isa_now.hpp"
#include "scratch_buffer.hpp"
#include "nnfs/kernels.hpp"
#include "simd/gemm_isa.hpp"
#include "split_threads.hpp"

namespace nnfs::kernels::detail {

namespace {

// Below this many multiply-adds a second thread does not pay for the fork and the extra packing.
constexpr int64_t kParallelMinMacs = int64_t{1} << 21;
// The direct path (no cache blocking, A read in place, op(B) copied whole) takes problems of at most
// kDirectMaxMacs multiply-adds, narrow C with K up to kDirectMaxNarrowK, and op(B) of at most
// kDirectMaxB elements (its copy stays in L1/L2 and beats packing there; measured on AVX-512).
constexpr int64_t kDirectMaxMacs = int64_t{1} << 16;
constexpr int64_t kDirectMaxNarrowK = 1024;
constexpr int64_t kDirectMaxB = int64_t{1} << 15;
// The small-M path streams op(B) once, so a second thread pays from fewer multiply-adds: its half of
// the weights then stays in its own core's L2. Measured on c's batch-1 inference (784-256-128-10,
// two threads): 6.0 us with 2^16, 6.1 with 2^17, 6.8 with 2^18, 6.9 with 2^21 (one thread: 6.6).
constexpr int64_t kSmallMParallelMinMacs = int64_t{1} << 16;
// The small-M path hands out columns to threads in chunks of this many.
constexpr int64_t kSmallMCols = 64;

// The dot-product path (op(A) = A, op(B) = B^T: Linear's forward) reads A and B in place; it beats
// packing where B is used by few rows of A for its K: measured on AVX-512, one thread, against the path
// Auto took before it (M 8 to 512, N 16 to 1024, K 16 to 1024): 0.82-3.9x within these bounds, below 1
// only for some N at their edges (K 64 with M 8-16, K 256 with M 32, K 1024 with M 256; table in
// bench/results/gemm-dot-2026-11-25.md; 64x256x784 1.12x, 16x1024x256 1.5x), 0.94-0.99x just past
// them (M 128 and 256 at K 512). Rows
// starting on cache lines only (64-byte aligned A and B, 16-float multiples for K and the leading
// dimensions, as Linear's tensors): rows across cache lines run 15-30% slower (61x253x781: 0.82x). So
// this one choice depends on the operands' addresses too: the same product of operands at other
// addresses may round differently; the thread count never changes the bits.
bool dot_nt_pays(const GemmArgs& g) {
    const auto misaligned = [](const float* p) { return reinterpret_cast<uintptr_t>(p) % 64 != 0; };
    if (g.N <= 12 || g.K % 16 || g.lda % 16 || g.ldb % 16 || misaligned(g.A) || misaligned(g.B))
        return false;  // N <= 12: the narrow dot kernel
    const int64_t max_m = g.K >= 768 ? 256 : g.K >= 512 ? 64 : g.K >= 256 ? 32 : g.K >= 64 ? 16 : 0;
    return g.M <= max_m;
}

// The no-copy path (op(B) = B read in place, nothing packed) streams all of B from L2 once per strip
// of rows: it pays while B stays there (bench/results/gemm-nocopy-2026-11-25.md). With op(A) = A^T
// each strip reads 8 floats of every row of A, lda apart, and B must be smaller: measured against the
// packed path (interleaved, with oneDNN as the yardstick), TN 128x256x256 0.88 -> 1.00x oneDNN on one
// thread, 0.84 -> 1.05 on two; 128x128x512 0.84 -> 1.01, 0.75 -> 1.05; 256^3 0.98 -> 0.96, 0.88 -> 0.96;
// but M = 512 (256x256 B: 1.00 -> 0.92 on one thread) and B of 256x512 (0.85 on one thread) lose.
constexpr int64_t kNoCopyMaxB = int64_t{1} << 18;   // floats of B, op(A) = A (1 MiB; L2 is 2 MiB here)
constexpr int64_t kNoCopyMaxBT = int64_t{1} << 16;  // floats of B, op(A) = A^T
constexpr int64_t kNoCopyMaxMT = 256;               // rows of C, op(A) = A^T
bool nocopy_pays(const GemmArgs& g, const GemmIsa& isa) {
    if (g.N <= isa.nr_narrow) return false;
    if (g.ta == Trans::No) return g.K * g.N <= kNoCopyMaxB;
    return g.M <= kNoCopyMaxMT && g.K * g.N <= kNoCopyMaxBT;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Share of useful work when `tiles` tiles are dealt to `threads` threads.
double balance(int64_t tiles, int threads) {
    return static_cast<double>(tiles) / static_cast<double>(threads * ceil_div(tiles, threads));
}

// The packed B panel a team shares: owned by the thread that calls sgemm (the team's master).
float* team_buffer(int64_t floats) {
    static thread_local ScratchBuffer buf;
    return buf.get(floats);
}

}  // namespace

GemmPath gemm_path = GemmPath::Auto;

namespace {
// Indexed by Isa (Reference, SSE2, AVX2, AVX512): one load, no jump table.
const GemmIsa* const kGemmIsas[] = {nullptr, &gemm_sse2, &gemm_avx2, &gemm_avx512};
static_assert(static_cast<int>(Isa::Reference) == 0 && static_cast<int>(Isa::SSE2) == 1 &&
              static_cast<int>(Isa::AVX2) == 2 && static_cast<int>(Isa::AVX512) == 3);
}  // namespace

const GemmIsa* gemm_isa(Isa isa) { return kGemmIsas[static_cast<int>(isa)]; }

const char* sgemm_info() {
    const GemmIsa* isa = gemm_isa(isa_now());
    return isa ? isa->name : "ref";
}

void sgemm_fused(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& epilogue) {
    if (M <= 0 || N <= 0) return;
    const GemmIsa* isa = gemm_isa(isa_now());
    if (!isa || K <= 0 || alpha == 0.0f) {  // nothing to multiply: C = act(beta C + bias), as the reference does it
        ref::sgemm_fused(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, epilogue);
        return;
    }
    const GemmArgs g{ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, epilogue};
    const int64_t macs = M * N * K;
    const GemmPath path = gemm_path;
    const bool small_m = M <= kSmallMMax && (path == GemmPath::Auto || path == GemmPath::SmallM);
    const bool dot = !small_m && isa->dot_nt && ta == Trans::No && tb == Trans::Yes &&
                     (path == GemmPath::DotNT || (path == GemmPath::Auto && dot_nt_pays(g)));
    // A tiny problem goes straight to what the rest of this function would choose for it, the direct path
    // on one thread, without the work of choosing (32x16x4, 40 ns a call: 1 ns less).
    if (!small_m && !dot && path == GemmPath::Auto && macs <= kDirectMaxMacs) {
        static_assert(kDirectMaxMacs < kParallelMinMacs);
        isa->direct(g, 0, M);
        return;
    }
    int threads = macs < kParallelMinMacs ? 1 : get_num_threads();
    if (small_m) {
        // Columns split at multiples of kSmallMCols (any split gives the same bits; this one keeps
        // each thread's share of op(B) whole cache lines).
        const int small_threads = macs < kSmallMParallelMinMacs ? 1 : get_num_threads();
        split_among_threads(N, kSmallMCols, small_threads, [&](int64_t n0, int64_t n1) { isa->small_m(g, n0, n1); });
        return;
    }
    if (dot) {
        split_among_threads(M, isa->dot_r, threads, [&](int64_t m0, int64_t m1) { isa->dot_nt(g, m0, m1); });
        return;
    }
    // Narrow C (N within one vector) takes one-vector tiles. Every choice here depends on the shape,
    // never on the thread count.
    const bool narrow = N <= isa->nr_narrow;
    const bool direct = path == GemmPath::Auto
                            ? macs <= kDirectMaxMacs || (narrow ? K <= kDirectMaxNarrowK : K * N <= kDirectMaxB)
                            : path == GemmPath::Direct || path == GemmPath::NarrowDot;
    if (isa->nocopy && tb == Trans::No &&
        (path == GemmPath::NoCopy || (path == GemmPath::Auto && !direct && nocopy_pays(g, *isa)))) {
        split_among_threads(M, isa->nocopy_r, threads, [&](int64_t m0, int64_t m1) { isa->nocopy(g, m0, m1); });
        return;
    }
    if (direct) {  // rows split at multiples of the tile height
        const int64_t r = narrow ? isa->direct_r_narrow : isa->direct_r;
        split_among_threads(M, r, threads, [&](int64_t m0, int64_t m1) { isa->direct(g, m0, m1); });
        return;
    }
    const int64_t mr = narrow ? isa->mr_narrow : isa->mr, nr = narrow ? isa->nr_narrow : isa->nr;
    const auto packed = narrow ? isa->packed_narrow : isa->packed;
    const int64_t tiles_m = ceil_div(M, mr), tiles_n = ceil_div(N, nr);
    if (threads > tiles_m * tiles_n) threads = static_cast<int>(tiles_m * tiles_n);
    if (threads <= 1) {
        packed(g, 0, M, 0, N, nullptr);
        return;
    }
    // Split along N unless M deals out clearly more evenly. Along N every thread runs the whole packed
    // algorithm on its columns (each packs all of A: cheap at MC = 42 rows a block); along M the threads
    // share one packed B panel, each packing a part of it, at the price of two barriers per KC block,
    // which cost more: measured on two threads, interleaved in one process, N against M: NN 256^3
    // 357 / 287 GFLOP/s, NT 256x256x784 381 / 287, NN 64x784x128 374 / 213, at most 3% behind
    // (TN 1024^3, TN 784x128x64) where M won.
    const bool split_m = balance(tiles_m, threads) > balance(tiles_n, threads) + 0.05;
    float* team_b = split_m ? team_buffer(gemm_team_b_size(*isa->blocking, static_cast<int>(nr), N, K)) : nullptr;
#pragma omp parallel num_threads(threads)
    {
        const DenormalScope flush;  // each thread's own MXCSR (the caller's entry point set its own)
        note_team();
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        int64_t t0 = 0, t1 = 0;
        if (split_m) {  // every thread of the team calls in, even with no rows: the barriers are collective
            share(tiles_m, t, nt, t0, t1);
            const GemmTeam team{t, nt, team_b};
            packed(g, t0 * mr < M ? t0 * mr : M, t1 * mr < M ? t1 * mr : M, 0, N, nt > 1 ? &team : nullptr);
        } else {
            share(tiles_n, t, nt, t0, t1);
            if (t1 > t0) packed(g, 0, M, t0 * nr, t1 * nr < N ? t1 * nr : N, nullptr);
        }
    }
}

}  // namespace nnfs::kernels::detail
