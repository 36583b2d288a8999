// SGEMM for narrow C (N <= 12) with op(A) = A, on AVX-512: the 10-class head's forward, x W^T with
// W 10 x K. Instantiated in kernels/isa/gemm_avx512.cpp only (the ODR rule of gemm_kernel.hpp holds:
// every function is a template on Arch).
//
// One-vector tiles (the direct path's, N of 16 lanes) leave 6 of 16 lanes idle at N = 10. Here the lanes
// run along K instead, as dot products:
//   c(i, n) = sum_k a(i, k) b(k, n)
// each accumulator holding 8 partial sums for each of two columns (lanes 0-7 column 2q, 8-15 column
// 2q + 1), fed by a(i, k:k+8) broadcast to both halves (one vbroadcastf32x8 load from the row of A, in
// place) times op(B) packed as Bp[k / 8][q][16], lane 8h + p = b(8 (k / 8) + p, 2q + h), zero past K and
// N. Every lane does useful work for any even N; the price is a reduction at the end of each row of C:
// the halves of its NQ = ceil(N / 2) accumulators summed 8 -> 1 in three shuffle-and-add steps that
// serve up to 8 accumulators at once, then one permute into column order.
//
// Each sum's additions depend on its own lanes only (never on the tile height or which rows a thread
// holds), so the rows can be split among threads anywhere with identical results.
#pragma once

#if defined(__AVX512F__)

#include <immintrin.h>
#include <xsimd/xsimd.hpp>

#include <cstdint>

#include "simd/gemm_kernel.hpp"

namespace nnfs::kernels::simd {

// Up to 12 columns (NQ <= 6): past that the one-vector tiles use enough of their lanes to be faster.
inline constexpr int64_t kNarrowDotMaxN = 12;

// op(B) (K x N, N <= 12) into Bp (ceil(K / 8) blocks of NQ vectors of 16 floats), see above.
template <class Arch>
void narrow_dot_pack_b(float* Bp, const GemmArgs& g, int nq) {
    const int64_t nkb = (g.K + 7) / 8;
    if (g.tb == Trans::Yes) {  // column n of op(B) is row n of B: 8 k at a time, masked at the end of K
        for (int64_t kb = 0; kb < nkb; ++kb) {
            const int64_t left = g.K - 8 * kb;
            const __mmask8 m = left >= 8 ? __mmask8(0xFF) : static_cast<__mmask8>((1u << left) - 1);
            for (int h = 0; h < 2 * nq; ++h)
                _mm256_store_ps(Bp + (kb * nq + h / 2) * 16 + 8 * (h % 2),
                                h < g.N ? _mm256_maskz_loadu_ps(m, g.B + h * g.ldb + 8 * kb) : _mm256_setzero_ps());
        }
        return;
    }
    for (int64_t kb = 0; kb < nkb; ++kb)  // B is K x N: a small scalar transpose
        for (int h = 0; h < 2 * nq; ++h)
            for (int p = 0; p < 8; ++p) {
                const int64_t k = 8 * kb + p;
                Bp[(kb * nq + h / 2) * 16 + 8 * (h % 2) + p] = h < g.N && k < g.K ? g.B[k * g.ldb + h] : 0.0f;
            }
}

// The column sums of one row: lane n = the sum of the 8-lane half holding column n (x[q]: columns 2q
// and 2q + 1), for n < 2 NQ (NQ <= 8).
template <class Arch, int NQ>
NNFS_ALWAYS_INLINE __m512 narrow_dot_reduce(const __m512 (&x)[NQ]) {
    const __m512 zero = _mm512_setzero_ps();
    // 8 -> 4: y[j] chunk c (4 floats) = 4 partial sums of column 4j + c
    __m512 y[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
        if (2 * j >= NQ) {
            y[j] = zero;
            continue;
        }
        const __m512 a = x[2 * j], b = 2 * j + 1 < NQ ? x[2 * j + 1] : zero;
        y[j] = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x88), _mm512_shuffle_f32x4(a, b, 0xDD));
    }
    // 4 -> 2: z0 chunk c = 2 partials of column c, then 2 of column 4 + c; z1 likewise for 8 + c, 12 + c
    const __m512 z0 = _mm512_add_ps(_mm512_shuffle_ps(y[0], y[1], 0x44), _mm512_shuffle_ps(y[0], y[1], 0xEE));
    const __m512 z1 = NQ > 4 ? _mm512_add_ps(_mm512_shuffle_ps(y[2], y[3], 0x44), _mm512_shuffle_ps(y[2], y[3], 0xEE)) : zero;
    // 2 -> 1: lane 4c + t = column 4t + c
    const __m512 w = _mm512_add_ps(_mm512_shuffle_ps(z0, z1, 0x88), _mm512_shuffle_ps(z0, z1, 0xDD));
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm512_permutexvar_ps(order, w);
}

// Rows [m0, m1) of C, R rows a tile (then single rows), NQ accumulators a row.
template <class Arch, int NQ, int R>
void narrow_dot_rows(const GemmArgs& g, const float* Bp, int64_t m0, int64_t m1) {
    const int64_t K = g.K, lda = g.lda, kb_full = K / 8, k_tail = K % 8;
    const __mmask8 tail_mask = static_cast<__mmask8>((1u << k_tail) - 1);
    const __mmask16 cols = static_cast<__mmask16>((1u << g.N) - 1);
    const __m512 alpha = _mm512_set1_ps(g.alpha), beta = _mm512_set1_ps(g.beta);
    const __m512 bias = g.ep.bias ? _mm512_maskz_loadu_ps(cols, g.ep.bias) : _mm512_setzero_ps();
    const auto tile = [&](auto rows, int64_t i) {
        constexpr int RR = decltype(rows)::value;
        __m512 acc[RR][NQ];
#pragma GCC unroll 8
        for (int r = 0; r < RR; ++r)
#pragma GCC unroll 8
            for (int q = 0; q < NQ; ++q) acc[r][q] = _mm512_setzero_ps();
        const float* a = g.A + i * lda;
        const float* b = Bp;
        const auto step = [&](auto load_a) {
            __m512 av[RR];
#pragma GCC unroll 8
            for (int r = 0; r < RR; ++r) av[r] = _mm512_broadcast_f32x8(load_a(a + r * lda));
#pragma GCC unroll 8
            for (int q = 0; q < NQ; ++q) {
                const __m512 bv = _mm512_load_ps(b + q * 16);
#pragma GCC unroll 8
                for (int r = 0; r < RR; ++r) acc[r][q] = _mm512_fmadd_ps(av[r], bv, acc[r][q]);
            }
            a += 8;
            b += NQ * 16;
        };
        for (int64_t kb = 0; kb < kb_full; ++kb) step([](const float* p) { return _mm256_loadu_ps(p); });
        if (k_tail)  // A's row ends here: masked (zeros meet Bp's zero padding)
            step([&](const float* p) { return _mm256_maskz_loadu_ps(tail_mask, p); });
#pragma GCC unroll 8
        for (int r = 0; r < RR; ++r) {
            float* c = g.C + (i + r) * g.ldc;
            __m512 x = _mm512_mul_ps(narrow_dot_reduce<Arch, NQ>(acc[r]), alpha);
            if (g.beta != 0.0f) x = _mm512_fmadd_ps(beta, _mm512_maskz_loadu_ps(cols, c), x);
            if (g.ep.bias) x = _mm512_add_ps(x, bias);
            const xsimd::batch<float, Arch> v(x);
            switch (g.ep.act) {  // once a row (against 8 NQ K FMAs): one copy of the loop, not four
                case Activation::Identity: x = v; break;
                case Activation::ReLU: x = activate<Arch, Activation::ReLU>(v); break;
                case Activation::Sigmoid: x = activate<Arch, Activation::Sigmoid>(v); break;
                case Activation::Tanh: x = activate<Arch, Activation::Tanh>(v); break;
            }
            _mm512_mask_storeu_ps(c, cols, x);
        }
    };
    int64_t i = m0;
    for (; i + R <= m1; i += R) tile(std::integral_constant<int, R>{}, i);
    for (; i < m1; ++i) tile(std::integral_constant<int, 1>{}, i);
}

// Rows a tile: about 24 accumulators, at most 8 rows (N = 10: 4 rows x 5; 3 or 5 rows measured no
// faster, 6 spill; software prefetch of the rows of A gained nothing).
template <int NQ>
inline constexpr int kNarrowDotRows = 24 / NQ < 8 ? 24 / NQ : 8;

// C[m0:m1, :] for ta = N, N <= kNarrowDotMaxN, K >= 1. With rows split among threads each packs its own
// copy of op(B): N K floats, against the (m1 - m0) N K FMAs that follow, and no barrier to share one.
template <class Arch>
void gemm_narrow_dot(const GemmArgs& g, int64_t m0, int64_t m1) {
    const int nq = static_cast<int>((g.N + 1) / 2);
    float* Bp = scratch<Arch, 5>((g.K + 7) / 8 * nq * 16);
    narrow_dot_pack_b<Arch>(Bp, g, nq);
    switch (nq) {
        case 1: narrow_dot_rows<Arch, 1, kNarrowDotRows<1>>(g, Bp, m0, m1); break;
        case 2: narrow_dot_rows<Arch, 2, kNarrowDotRows<2>>(g, Bp, m0, m1); break;
        case 3: narrow_dot_rows<Arch, 3, kNarrowDotRows<3>>(g, Bp, m0, m1); break;
        case 4: narrow_dot_rows<Arch, 4, kNarrowDotRows<4>>(g, Bp, m0, m1); break;
        case 5: narrow_dot_rows<Arch, 5, kNarrowDotRows<5>>(g, Bp, m0, m1); break;
        default: static_assert(kNarrowDotMaxN == 12); narrow_dot_rows<Arch, 6, kNarrowDotRows<6>>(g, Bp, m0, m1); break;
    }
}

}  // namespace nnfs::kernels::simd

#endif
