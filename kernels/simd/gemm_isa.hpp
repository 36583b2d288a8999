// The interface between the SGEMM dispatcher (kernels/gemm.cpp, baseline x86-64) and the per-ISA
// SGEMM implementations (kernels/isa/gemm_<isa>.cpp, each built with its own instruction-set flags).
// No xsimd here: this header is included by code that must run on any x86-64.
#pragma once

#include <cstdint>

#include "nnfs/kernels.hpp"

namespace nnfs::kernels::detail {

// One SGEMM problem as the public entry point received it:
// C (M x N, row stride ldc) = act(alpha op(A) op(B) + beta C + bias), op(A) M x K, op(B) K x N, row-major.
struct GemmArgs {
    Trans ta, tb;
    int64_t M, N, K;
    float alpha;
    const float* A;
    int64_t lda;
    const float* B;
    int64_t ldb;
    float beta;
    float* C;
    int64_t ldc;
    Epilogue ep;
};

// Cache blocking of the packed path (BLIS names): KC rows of op(B) / columns of op(A) per packed
// block, MC rows of op(A) per packed A block (a multiple of MR), NC columns of op(B) per packed B
// panel (a multiple of NR). Adjustable at run time so benchmarks can sweep them.
struct GemmBlocking {
    int64_t kc, mc, nc;
};

// The threads of one OpenMP team sharing the packed B panel (C split along M, BLIS style): thread t
// of nt packs its share of each panel's micro-panels into b, all wait, then each multiplies its own
// rows by the whole panel, and all wait again before the next panel overwrites it. Every thread of the
// team must call the packed path with the same n0, n1 (its barriers are collective), even with no rows.
struct GemmTeam {
    int t, nt;
    float* b;  // 64-byte aligned, at least gemm_team_b_size floats
};

// Floats of the shared B panel buffer for a problem (an upper bound for every ISA's blocking).
inline int64_t gemm_team_b_size(const GemmBlocking& bl, int nr, int64_t N, int64_t K) {
    const int64_t kc = bl.kc > 0 && bl.kc < K ? bl.kc : K;
    const int64_t nc = bl.nc >= nr && bl.nc < N ? bl.nc : N;
    return kc * (nc + nr) + 64;
}

// One instruction set's SGEMM.
struct GemmIsa {
    const char* name;  // e.g. "avx512 14x32" (ISA, then the MR x NR register tile of the packed path)
    int mr, nr;        // register tile of the packed path
    GemmBlocking* blocking;
    // Packed path over the sub-block C[m0:m1, n0:n1] of the problem. m0 must be a multiple of mr and n0
    // of nr, so every C element sees the same sequence of operations however C is split among threads.
    // team: null for a thread on its own, else the team sharing the packed B panel.
    void (*packed)(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, const GemmTeam* team);
    // The same for narrow C (N <= nr_narrow, one vector): an mr_narrow x nr_narrow tile wastes fewer lanes.
    int mr_narrow, nr_narrow;
    void (*packed_narrow)(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, const GemmTeam* team);
    // Direct path for small problems and narrow or short op(B) (A read in place, op(B) copied whole to a
    // buffer, no cache blocking) over the rows C[m0:m1, :]. Its tiles are direct_r_narrow rows x one
    // vector when N <= nr_narrow, else direct_r rows x two vectors; m0 must be a multiple of that height.
    int direct_r_narrow, direct_r;
    void (*direct)(const GemmArgs& g, int64_t m0, int64_t m1);
    // Small-M path (M <= kSmallMMax rows of C; kernels/simd/gemm_small_m.hpp) over the columns
    // C[:, n0:n1]: op(B) streamed in place, never copied. Any column split gives identical results.
    void (*small_m)(const GemmArgs& g, int64_t n0, int64_t n1);
    // Dot-product path for op(A) = A, op(B) = B^T (null where the ISA has none): rows of A and of B read
    // in place, every C element a dot product (kernels/simd/gemm_dot_nt.hpp), over the rows C[m0:m1, :],
    // in tiles of dot_r rows. Any row split gives identical results.
    int dot_r;
    void (*dot_nt)(const GemmArgs& g, int64_t m0, int64_t m1);
    // No-copy path for op(B) = B (null where the ISA has none): op(A) and B read in place, nothing packed
    // (kernels/simd/gemm_nocopy.hpp), over the rows C[m0:m1, :], in strips of nocopy_r rows (m0 a
    // multiple of it). Any such row split gives identical results.
    int nocopy_r;
    void (*nocopy)(const GemmArgs& g, int64_t m0, int64_t m1);
};

// Rows of C up to which sgemm takes the small-M path (batch-1 inference, tiny batches).
inline constexpr int64_t kSmallMMax = 4;

// (hidden: read without a GOT load; tests link the static library and see them all the same)
extern const GemmIsa gemm_sse2 __attribute__((visibility("hidden")));
extern const GemmIsa gemm_avx2 __attribute__((visibility("hidden")));
extern const GemmIsa gemm_avx512 __attribute__((visibility("hidden")));

}  // namespace nnfs::kernels::detail

namespace nnfs::kernels::detail {

// Which path sgemm takes: chosen from the shape (Auto), or forced (tests exercise every path with
// it; set it only while no sgemm runs). SmallM applies to M <= kSmallMMax only (Auto's choice there
// too); Packed and Direct force those paths for every M (Direct: its tiles, never the narrow dot
// kernel); NarrowDot forces AVX-512's narrow dot-product kernel where it applies (op(A) = A, N <= 12),
// the direct path elsewhere and on other instruction sets; DotNT forces AVX-512's dot-product path for
// op(A) = A, op(B) = B^T, and NoCopy AVX-512's no-copy path for op(B) = B (both for every M); where
// those do not apply, the packed path.
enum class GemmPath { Auto, Packed, Direct, SmallM, NarrowDot, DotNT, NoCopy };
extern GemmPath gemm_path __attribute__((visibility("hidden")));

// The dispatched SGEMM (kernels/gemm.cpp): the table's sgemm_fused entry.
void sgemm_fused(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& epilogue);
// What sgemm runs on now, e.g. "avx512 14x32" or "ref".
const char* sgemm_info();
// The implementation for an instruction set (null for Isa::Reference).
const GemmIsa* gemm_isa(Isa isa) __attribute__((visibility("hidden")));

}  // namespace nnfs::kernels::detail
