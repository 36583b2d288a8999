// SGEMM with op(B) = B and nothing packed: C = act(alpha op(A) B + beta C + bias), both operands read in
// place. Instantiated in kernels/isa/gemm_avx512.cpp only (the ODR rule of gemm_kernel.hpp holds: every
// function is a template on Arch).
//
// Why: at the sizes of Linear's backward (dX = dY W: 256x512x256, 256x784x256), the packed path spends
// about 8% of its time packing, A transposed into micro-panels and B copied into panels, and on two
// threads each thread packs all of A. Here a strip of MR rows of C takes MR x NR tiles left to right,
// each one micro-kernel call over the whole of K:
//   c(i, j) = sum_k a(i, k) b(k, j),  b(k, j) = B[k ldb + j] (NR floats of a row of B a step),
//   a(i, k) = A[i lda + k] (op(A) = A: MR row streams) or A[k lda + i] (op(A) = A^T: MR floats a step).
// The strip's rows of A stay in L1 while B streams from L2, prefetched 16 rows ahead (the micro-kernel's
// PrefetchC), so B must fit in L2: the dispatcher takes this path only then. MR = 8 and NR = 48: 3 loads
// and 8 broadcasts a step for 24 FMAs, 2-4% above the packed path's 14 x 32 tile in this form
// (bench/results/gemm-nocopy-2026-11-25.md).
//
// Edges: the last strip's rows (fewer than MR) are copied k-major into a zero-padded buffer (as a packed
// A micro-panel) and run on the smallest register tile that covers them (packed_tile); the columns past
// the last whole NR panel are copied into a zero-padded K x (their width rounded up to a vector) buffer
// once per call, so nothing is read past B's last row, and run on that many vectors. Every element of C
// is one accumulator over k in order from zero, then the epilogue: the same arithmetic wherever its tile
// falls, so rows split among threads at multiples of MR give identical results.
#pragma once

#include <xsimd/xsimd.hpp>

#include <cstdint>

#include "simd/gemm_kernel.hpp"

namespace nnfs::kernels::simd {

// One tile of a strip: rows in place when m == MR (a(i, k) = A[i lda + k] for row_a, else A[k lda + i]),
// else from the k-major copy Ap (stride MR); columns from b (row stride ldb), NV vectors of them.
template <class Arch, int MR, int NV>
NNFS_ALWAYS_INLINE void nocopy_tile(const GemmArgs& g, bool row_a, const float* a, const float* Ap, int m, const float* b,
                                    int64_t ldb, float* C, int n, const TileOut& t) {
    if (m < MR) {
        packed_tile<Arch, MR, NV>(g.K, Ap, b, ldb, C, g.ldc, m, n, t, g.ep.act);
    } else if (row_a) {
        MicroKernel<Arch, MR, NV, true, true>::tile(g.K, a, g.lda, b, ldb, C, g.ldc, m, n, t, g.ep.act);
    } else {
        MicroKernel<Arch, MR, NV, true, false>::tile(g.K, a, g.lda, b, ldb, C, g.ldc, m, n, t, g.ep.act);
    }
}

// The right edge: nv vectors (1 <= nv <= NV) chosen at run time.
template <class Arch, int MR, int NV>
NNFS_ALWAYS_INLINE void nocopy_edge_tile(int nv, const GemmArgs& g, bool row_a, const float* a, const float* Ap, int m,
                                         const float* b, int64_t ldb, float* C, int n, const TileOut& t) {
    if constexpr (NV > 1) {
        if (nv < NV) return nocopy_edge_tile<Arch, MR, NV - 1>(nv, g, row_a, a, Ap, m, b, ldb, C, n, t);
    }
    nocopy_tile<Arch, MR, NV>(g, row_a, a, Ap, m, b, ldb, C, n, t);
}

// Rows C[m0:m1, :] (m0 a multiple of MR). op(B) must be B.
template <class Arch, int MR, int NV>
void gemm_nocopy(const GemmArgs& g, int64_t m0, int64_t m1) {
    using V = xsimd::batch<float, Arch>;
    constexpr int W = static_cast<int>(V::size), NR = NV * W;
    const int64_t N = g.N, K = g.K, n_full = N / NR * NR;
    const int n_edge = static_cast<int>(N - n_full), nv_edge = (n_edge + W - 1) / W, ld_edge = nv_edge * W;
    const float* B_edge = nullptr;
    if (n_edge > 0) {  // the last columns, zero-padded to whole vectors
        float* e = scratch<Arch, 6>(K * ld_edge);
        for (int64_t k = 0; k < K; ++k)
            for (int v = 0; v < nv_edge; ++v) {
                const int left = n_edge - v * W;
                const float* s = g.B + k * g.ldb + n_full + v * W;
                (left >= W ? V::load_unaligned(s) : load<Arch>(s, Tail{left})).store_aligned(e + k * ld_edge + v * W);
            }
        B_edge = e;
    }
    const bool row_a = g.ta == Trans::No;
    float* Ap = scratch<Arch, 7>(K * MR);
    for (int64_t i = m0; i < m1; i += MR) {
        const int m = static_cast<int>(min_of<Arch>(MR, m1 - i));
        const float* a = row_a ? g.A + i * g.lda : g.A + i;
        if (m < MR) copy_last_rows<Arch, MR>(Ap, g, i, m);  // k-major, zero-padded
        float* c = g.C + i * g.ldc;
        for (int64_t j = 0; j < n_full; j += NR) {
            const TileOut t{g.alpha, g.beta, g.ep.bias ? g.ep.bias + j : nullptr};
            nocopy_tile<Arch, MR, NV>(g, row_a, a, Ap, m, g.B + j, g.ldb, c + j, NR, t);
        }
        if (n_edge > 0) {
            const TileOut t{g.alpha, g.beta, g.ep.bias ? g.ep.bias + n_full : nullptr};
            nocopy_edge_tile<Arch, MR, NV>(nv_edge, g, row_a, a, Ap, m, B_edge, ld_edge, c + n_full, n_edge, t);
        }
    }
}

}  // namespace nnfs::kernels::simd
