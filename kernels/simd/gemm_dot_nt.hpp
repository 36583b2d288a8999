// SGEMM C = act(alpha A B^T + beta C + bias) with A (M x K) and B (N x K) both read by rows, on AVX-512:
// Linear's forward, x W^T, at batches too small for packing to pay. Instantiated in
// kernels/isa/gemm_avx512.cpp only (the ODR rule of gemm_kernel.hpp holds: every function is a template
// on Arch).
//
// The packed path copies op(B) = W^T into K-major panels: a transpose of all of W on every call, which
// a batch of 64 rows uses only 64 times. Here nothing is copied: every element of C is a dot product
//   c(i, n) = sum_k a(i, k) b(n, k)
// of a row of A and a row of B, both contiguous, with the lanes along K. A tile is 6 rows of A by 4
// rows of B: 24 accumulators fed by 10 loads per 24 FMAs, the 6 rows of A (6 K floats) staying in L1
// while B streams through. At the end of a tile each accumulator is summed 16 -> 1 by shuffles shared
// among the accumulators (about 3 operations per element of C, against K / 16 FMAs).
//
// Rows of A past M and rows of B past N are clamped to the last one (computed, never stored), so every
// tile is full: one loop, and every element of C is the same sequence of operations wherever it falls
// in a tile. The rows can therefore be split among threads anywhere with identical results.
#pragma once

#if defined(__AVX512F__)

#include <immintrin.h>
#include <xsimd/xsimd.hpp>

#include <cstdint>

#include "simd/gemm_kernel.hpp"

namespace nnfs::kernels::simd {

inline constexpr int kDotRows = 6;  // rows of A a tile
inline constexpr int kDotCols = 4;  // rows of B (columns of C) a tile

// Sums of the 16 lanes of x[0..3], as 128-bit chunk j holding the 4 partial sums of x[j] (not yet summed).
NNFS_ALWAYS_INLINE __m512 dot_nt_fold(__m512 x0, __m512 x1, __m512 x2, __m512 x3) {
    const __m512 a = _mm512_add_ps(_mm512_shuffle_f32x4(x0, x1, 0x44), _mm512_shuffle_f32x4(x0, x1, 0xEE));
    const __m512 b = _mm512_add_ps(_mm512_shuffle_f32x4(x2, x3, 0x44), _mm512_shuffle_f32x4(x2, x3, 0xEE));
    return _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x88), _mm512_shuffle_f32x4(a, b, 0xDD));
}

// Four rows' folds f0..f3 (dot_nt_fold) -> lane 4 r + j = the sum of row r's accumulator j: C's 4 x 4
// block in row-major order. Each sum is ((e0 + e2) + (e1 + e3)) of its chunk, whichever slot its row has.
NNFS_ALWAYS_INLINE __m512 dot_nt_finish(__m512 f0, __m512 f1, __m512 f2, __m512 f3) {
    const __m512 u = _mm512_add_ps(_mm512_shuffle_ps(f0, f1, 0x44), _mm512_shuffle_ps(f0, f1, 0xEE));
    const __m512 w = _mm512_add_ps(_mm512_shuffle_ps(f2, f3, 0x44), _mm512_shuffle_ps(f2, f3, 0xEE));
    const __m512 v = _mm512_add_ps(_mm512_shuffle_ps(u, w, 0x88), _mm512_shuffle_ps(u, w, 0xDD));  // lane 4 j + r
    return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), v);
}

// The epilogue on up to 4 rows of a 4-column block of C at (i, n) (x: lane 4 r + j) and its store:
// rows >= rows and columns >= cols are left alone.
template <class Arch>
NNFS_ALWAYS_INLINE void dot_nt_store(__m512 x, const GemmArgs& g, int64_t i, int64_t n, int rows, int cols) {
    const __mmask8 col_mask = static_cast<__mmask8>((1u << cols) - 1);
    alignas(64) float buf[16] = {};
    x = _mm512_mul_ps(x, _mm512_set1_ps(g.alpha));
    if (g.beta != 0.0f) {
        for (int r = 0; r < rows; ++r) _mm_store_ps(buf + 4 * r, _mm_maskz_loadu_ps(col_mask, g.C + (i + r) * g.ldc + n));
        x = _mm512_fmadd_ps(_mm512_set1_ps(g.beta), _mm512_load_ps(buf), x);
    }
    if (g.ep.bias) x = _mm512_add_ps(x, _mm512_broadcast_f32x4(_mm_maskz_loadu_ps(col_mask, g.ep.bias + n)));
    const xsimd::batch<float, Arch> v(x);
    switch (g.ep.act) {  // once a tile (against 24 K / 16 FMAs): one copy of the K loop, not four
        case Activation::Identity: break;
        case Activation::ReLU: x = activate<Arch, Activation::ReLU>(v); break;
        case Activation::Sigmoid: x = activate<Arch, Activation::Sigmoid>(v); break;
        case Activation::Tanh: x = activate<Arch, Activation::Tanh>(v); break;
    }
    _mm512_store_ps(buf, x);
    for (int r = 0; r < rows; ++r) _mm_mask_storeu_ps(g.C + (i + r) * g.ldc + n, col_mask, _mm_load_ps(buf + 4 * r));
}

// One tile: C[i : i + rows, n : n + cols] from the rows a[0..5] of A (clamped) and B's rows n.. (clamped).
template <class Arch>
NNFS_ALWAYS_INLINE void dot_nt_tile(const GemmArgs& g, const float* const (&a)[kDotRows], int rows, int64_t i, int64_t n) {
    constexpr int R = kDotRows, NB = kDotCols;
    const int64_t K = g.K, k_full = K / 16 * 16;
    const __mmask16 tail = static_cast<__mmask16>((1u << (K - k_full)) - 1);
    const int cols = static_cast<int>(g.N - n < NB ? g.N - n : NB);
    const float* b[NB];
    for (int j = 0; j < NB; ++j) b[j] = g.B + (n + (j < cols ? j : cols - 1)) * g.ldb;
    __m512 acc[R][NB];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
        for (int j = 0; j < NB; ++j) acc[r][j] = _mm512_setzero_ps();
    const auto step = [&](int64_t k, auto load) {
        __m512 bv[NB];
#pragma GCC unroll 8
        for (int j = 0; j < NB; ++j) bv[j] = load(b[j] + k);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
            const __m512 av = load(a[r] + k);
#pragma GCC unroll 8
            for (int j = 0; j < NB; ++j) acc[r][j] = _mm512_fmadd_ps(av, bv[j], acc[r][j]);
        }
    };
    // Two steps an iteration: 186-193 GFLOP/s against 179-181 with one (64x256x784, one thread).
#pragma GCC unroll 2
    for (int64_t k = 0; k < k_full; k += 16) step(k, [](const float* p) { return _mm512_loadu_ps(p); });
    if (tail)  // zeros past K in both operands add exact zeros
        step(k_full, [&](const float* p) { return _mm512_maskz_loadu_ps(tail, p); });
    __m512 f[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) f[r] = dot_nt_fold(acc[r][0], acc[r][1], acc[r][2], acc[r][3]);
    const __m512 zero = _mm512_setzero_ps();
    dot_nt_store<Arch>(dot_nt_finish(f[0], f[1], f[2], f[3]), g, i, n, rows < 4 ? rows : 4, cols);
    if (rows > 4) dot_nt_store<Arch>(dot_nt_finish(f[4], f[5], zero, zero), g, i + 4, n, rows - 4, cols);
}

// C[m0:m1, :] for ta = N, tb = T, any K >= 1 (rows of whole cache lines run fastest).
template <class Arch>
void gemm_dot_nt(const GemmArgs& g, int64_t m0, int64_t m1) {
    constexpr int R = kDotRows, NB = kDotCols;
    // Rows of B a block, sized to stay in L2 (512 KiB) while every tile of rows passes over it: without
    // it, 64x1024x1024 ran at 0.71x the packed path, with it 1.18x.
    const int64_t nb = g.K * NB >= (int64_t{1} << 17) ? NB : (int64_t{1} << 17) / (g.K * NB) * NB;
    for (int64_t n0 = 0; n0 < g.N; n0 += nb) {
        const int64_t n1 = n0 + nb < g.N ? n0 + nb : g.N;
        for (int64_t i = m0; i < m1; i += R) {
            const int rows = static_cast<int>(m1 - i < R ? m1 - i : R);
            const float* a[R];
            for (int r = 0; r < R; ++r) a[r] = g.A + (i + (r < rows ? r : rows - 1)) * g.lda;
            for (int64_t n = n0; n < n1; n += NB) dot_nt_tile<Arch>(g, a, rows, i, n);
        }
    }
}

}  // namespace nnfs::kernels::simd

#endif
