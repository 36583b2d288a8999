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

#include "simd/transpose.hpp"
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
// in double (as the row path: exps in float, their sum in double); e[j] = exp(x_j - m) when e is
// non-null. log s and 1 / s are computed only by the kernels that use them, in float from sf = s
// rounded to float and d = (s - sf) / sf (|d| <= 2^-24): log s = log sf + d and 1 / s = (1 / sf)(1 - d),
// within an ulp or two of the row path's double log and division, whose two double vectors per block
// were a good part of the work on 10 columns.
template <class Arch>
struct BlockStats {
    vfloat<Arch> max;
    vdouble<Arch> lo, hi;  // s of lanes 0 .. W/2 - 1 and W/2 .. W - 1
    vfloat<Arch> sum() const { return narrow<Arch>(lo, hi); }
    // d above, given sf and 1 / sf.
    vfloat<Arch> rounding(vfloat<Arch> sf, vfloat<Arch> inv_sf) const {
        vdouble<Arch> a, b;
        widen<Arch>(sf, a, b);
        return narrow<Arch>(lo - a, hi - b) * inv_sf;
    }
    vfloat<Arch> log_sum() const {
        const vfloat<Arch> sf = sum();
        return log<Arch>(sf) + rounding(sf, reciprocal<Arch>(sf));
    }
    vfloat<Arch> inv_sum() const {
        const vfloat<Arch> sf = sum(), r = reciprocal<Arch>(sf);
        return fnmadd<Arch>(r, rounding(sf, r), r);
    }
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
