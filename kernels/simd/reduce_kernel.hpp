// Row and column sums of a rows x cols row-major matrix.
#pragma once

#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

// Columns [c, c + NV W) (the last vector `part`) summed down the rows: float runs of 8 rows per lane,
// each run added into double accumulators, so the error does not grow with rows.
template <class Arch, int NV, class Part>
inline void column_sum_block(float* dst, const float* src, int64_t rows, int64_t cols, Part part, bool accumulate) {
    using V = vfloat<Arch>;
    using D = vdouble<Arch>;
    constexpr int64_t W = V::size, kRun = 8;
    D lo[NV], hi[NV];
    for (int v = 0; v < NV; ++v) lo[v] = hi[v] = D(0.0);
    for (int64_t r0 = 0; r0 < rows; r0 += kRun) {
        V a[NV];
        for (int v = 0; v < NV; ++v) a[v] = V(0.0f);
        const int64_t r1 = r0 + kRun < rows ? r0 + kRun : rows;
        for (int64_t r = r0; r < r1; ++r)
            for (int v = 0; v < NV; ++v) a[v] += load<Arch>(src + r * cols + v * W, part);
        for (int v = 0; v < NV; ++v) {
            D l, h;
            widen<Arch>(a[v], l, h);
            lo[v] += l;
            hi[v] += h;
        }
    }
    for (int v = 0; v < NV; ++v) {
        V s = narrow<Arch>(lo[v], hi[v]);
        if (accumulate) s = load<Arch>(dst + v * W, part) + s;
        store<Arch>(dst + v * W, s, part);
    }
}

// dst[j] (+)= sum_i src[i][j]: blocks of 4 vectors of columns, then single vectors, then the tail.
template <class Arch>
void column_sum(float* dst, const float* src, int64_t rows, int64_t cols, bool accumulate) {
    constexpr int64_t W = vfloat<Arch>::size;
    int64_t c = 0;
    for (; c + 4 * W <= cols; c += 4 * W) column_sum_block<Arch, 4>(dst + c, src + c, rows, cols, Full{}, accumulate);
    for (; c + W <= cols; c += W) column_sum_block<Arch, 1>(dst + c, src + c, rows, cols, Full{}, accumulate);
    if (c < cols) column_sum_block<Arch, 1>(dst + c, src + c, rows, cols, Tail{cols - c}, accumulate);
}

// dst[i] = sum_j src[i][j] (sum_terms: float runs into double).
template <class Arch>
void row_sum(float* dst, const float* src, int64_t rows, int64_t cols) {
    for (int64_t i = 0; i < rows; ++i) {
        const float* x = src + i * cols;
        dst[i] = static_cast<float>(sum_terms<Arch>(cols, [&](int64_t j, auto part) { return load<Arch>(x + j, part); }));
    }
}

}  // namespace nnfs::kernels::simd
