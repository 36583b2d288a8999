// Short rows across lanes: a block of W consecutive rows of a row-major rows x cols matrix (cols <=
// kBlockCols) held as column vectors, lane r of vector c being element (r, c). A row statistic (max,
// sum, log) is then lane-wise arithmetic over the cols vectors, with no reduction across lanes and no
// mostly-masked vector per row. Rows are loaded one vector per W columns (masked to the row) and
// turned into columns by in-register W x W transposes; stores transpose back. Lanes of rows past
// `nrows` (the last, partial block) read 0 and are never stored: every row takes the same path.
// AVX-512 (W = 16) and AVX2 (W = 8) only.
#pragma once

#include <cstdint>
#include <type_traits>

#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

template <class Arch>
constexpr bool has_row_blocks = std::is_same_v<Arch, xsimd::avx512f> || std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>;

// Rows of at most block_cols<Arch> columns go through blocks (kBlockCols: the most on any ISA). Measured
// (softmax, log-softmax, both cross-entropies on 128 KiB, ns per element, block vs row path): AVX-512
// wins from 2 columns (6x) to 32 (0.50 vs 0.59 softmax, par for log-softmax); AVX2 wins up to 20
// columns (0.84 vs 1.22 at 20), is on par at 24 and 32.
constexpr int64_t kBlockCols = 32;
template <class Arch>
constexpr int64_t block_cols = std::is_same_v<Arch, xsimd::avx512f> ? 32 : 20;

// v[0..W) transposed in place: lane c of v[r] becomes lane r of v[c].
template <class Arch>
inline void transpose_tile([[maybe_unused]] vfloat<Arch>* v) {  // unused where the ISA has no tiles
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        __m512 t[16], u[16];
        for (int i = 0; i < 8; ++i) {
            t[2 * i] = _mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]);
            t[2 * i + 1] = _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]);
        }
        // u[4g + k], 128-bit lane j: column 4j + k of rows 4g .. 4g + 3.
        for (int g = 0; g < 4; ++g) {
            u[4 * g + 0] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
            u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
            u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
            u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
        }
        for (int k = 0; k < 4; ++k) {
            const __m512 w0 = _mm512_shuffle_f32x4(u[k], u[4 + k], 0x88), w1 = _mm512_shuffle_f32x4(u[k], u[4 + k], 0xDD);
            const __m512 w2 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0x88),
                         w3 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0xDD);
            v[k] = _mm512_shuffle_f32x4(w0, w2, 0x88);
            v[8 + k] = _mm512_shuffle_f32x4(w0, w2, 0xDD);
            v[4 + k] = _mm512_shuffle_f32x4(w1, w3, 0x88);
            v[12 + k] = _mm512_shuffle_f32x4(w1, w3, 0xDD);
        }
    } else
#endif
#if defined(__AVX2__)
    if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) {
        __m256 t[8], u[8];
        for (int i = 0; i < 4; ++i) {
            t[2 * i] = _mm256_unpacklo_ps(v[2 * i], v[2 * i + 1]);
            t[2 * i + 1] = _mm256_unpackhi_ps(v[2 * i], v[2 * i + 1]);
        }
        for (int g = 0; g < 2; ++g) {
            u[4 * g + 0] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
            u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
            u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
            u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
        }
        for (int k = 0; k < 4; ++k) {
            v[k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x20);
            v[4 + k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x31);
        }
    } else
#endif
    {
        static_assert(sizeof(Arch) == 0, "transpose_tile: AVX-512 and AVX2 only");
    }
}

// c[j] for j < cols (cols <= kBlockCols; c holds whole tiles): column j of rows 0 .. nrows - 1 (nrows <= W) of x.
template <class Arch>
inline void load_block(vfloat<Arch>* c, const float* x, int64_t nrows, int64_t cols) {
    using V = vfloat<Arch>;
    constexpr int64_t W = V::size;
    for (int64_t j0 = 0; j0 < cols; j0 += W) {
        V* tile = c + j0;
        const int64_t n = cols - j0 < W ? cols - j0 : W;
        for (int64_t r = 0; r < W; ++r)
            tile[r] = r >= nrows ? V(0.0f) : n == W ? load<Arch>(x + r * cols + j0, Full{}) : load<Arch>(x + r * cols + j0, Tail{n});
        transpose_tile<Arch>(tile);
    }
}

// Rows 0 .. nrows - 1 of y from the column vectors c[j], j < cols (c is overwritten).
template <class Arch>
inline void store_block(float* y, vfloat<Arch>* c, int64_t nrows, int64_t cols) {
    using V = vfloat<Arch>;
    constexpr int64_t W = V::size;
    for (int64_t j0 = 0; j0 < cols; j0 += W) {
        V* tile = c + j0;
        const int64_t n = cols - j0 < W ? cols - j0 : W;
        transpose_tile<Arch>(tile);
        for (int64_t r = 0; r < nrows; ++r) {
            if (n == W)
                store<Arch>(y + r * cols + j0, tile[r], Full{});
            else
                store<Arch>(y + r * cols + j0, tile[r], Tail{n});
        }
    }
}

// The per-lane statistics of a block of column vectors x[0..cols): max m and s = sum_j exp(x_j - m)
// in double (as the row path: exps in float, their sum, log and reciprocal in double, rounded to
// float); e[j] = exp(x_j - m) when e is non-null. log s and 1 / s are computed only by the kernels that
// use them (a double log or division per half block is a good part of the work on 10 columns).
template <class Arch>
struct BlockStats {
    vfloat<Arch> max;
    vdouble<Arch> lo, hi;  // s of lanes 0 .. W/2 - 1 and W/2 .. W - 1
    vfloat<Arch> log_sum() const { return narrow<Arch>(xsimd::log(lo), xsimd::log(hi)); }
    vfloat<Arch> inv_sum() const { return narrow<Arch>(vdouble<Arch>(1.0) / lo, vdouble<Arch>(1.0) / hi); }
};

template <class Arch>
inline BlockStats<Arch> block_stats(vfloat<Arch>* e, const vfloat<Arch>* x, int64_t cols) {
    using V = vfloat<Arch>;
    using D = vdouble<Arch>;
    V m = x[0];
    for (int64_t j = 1; j < cols; ++j) m = xsimd::max(m, x[j]);
    // Runs of up to 8 exps per lane added in float, each run flushed into double (the row path's
    // sum_terms: its error does not grow with cols, and one widening per run instead of per column).
    constexpr int64_t kRun = 8;
    D lo(0.0), hi(0.0);
    for (int64_t j0 = 0; j0 < cols; j0 += kRun) {
        V s(0.0f);
        for (int64_t j = j0; j < cols && j < j0 + kRun; ++j) {
            const V v = exp<Arch>(x[j] - m);
            if (e) e[j] = v;
            s += v;
        }
        D a, b;
        widen<Arch>(s, a, b);
        lo += a;
        hi += b;
    }
    return {m, lo, hi};
}

}  // namespace nnfs::kernels::simd
