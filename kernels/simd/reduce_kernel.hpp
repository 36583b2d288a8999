// Row and column sums of a rows x cols row-major matrix, and column sums fused with an activation's
// backward (the bias gradient of the Linear before it).
#pragma once

#include "simd/activation.hpp"
#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

// Columns [c, c + NV W) (the last vector `part`) of a rows x cols matrix whose element (r, col) is
// value(r * cols + col, part) summed down the rows: float runs of 8 rows per lane, each run added into
// double accumulators, so the error does not grow with rows.
template <class Arch, int NV, class Part, class Value>
inline void column_sum_block(float* dst, int64_t rows, int64_t cols, Part part, bool accumulate, Value value) {
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
            for (int v = 0; v < NV; ++v) a[v] += value(r * cols + v * W, part);
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

// dst[j] (+)= sum_i value(i cols + j): blocks of 4 vectors of columns, then single vectors, then the
// tail. value(offset, part) gets the offset of the vector's first element from the block's column.
template <class Arch, class Value>
void column_sums(float* dst, int64_t rows, int64_t cols, bool accumulate, Value value) {
    constexpr int64_t W = vfloat<Arch>::size;
    int64_t c = 0;
    auto at = [&](int64_t c0) { return [&, c0](int64_t i, auto part) { return value(c0 + i, part); }; };
    for (; c + 4 * W <= cols; c += 4 * W) column_sum_block<Arch, 4>(dst + c, rows, cols, Full{}, accumulate, at(c));
    for (; c + W <= cols; c += W) column_sum_block<Arch, 1>(dst + c, rows, cols, Full{}, accumulate, at(c));
    if (c < cols) column_sum_block<Arch, 1>(dst + c, rows, cols, Tail{cols - c}, accumulate, at(c));
}

// dst[j] (+)= sum_i src[i][j].
template <class Arch>
void column_sum(float* dst, const float* src, int64_t rows, int64_t cols, bool accumulate) {
    column_sums<Arch>(dst, rows, cols, accumulate, [&](int64_t i, auto part) { return load<Arch>(src + i, part); });
}

// diff_src = act'(...) diff_dst (simd/activation.hpp) and col_sum (+)= its column sums, in one pass.
template <class Arch, Activation Act>
void activation_backward_column_sum_t(float* diff_src, const float* diff_dst, const float* dst, int64_t rows,
                                      int64_t cols, float* col_sum, bool accumulate) {
    column_sums<Arch>(col_sum, rows, cols, accumulate, [&](int64_t i, auto part) {
        const vfloat<Arch> dx = activation_grad<Arch, Act>(load<Arch>(diff_dst + i, part), load<Arch>(dst + i, part));
        store<Arch>(diff_src + i, dx, part);
        return dx;
    });
}

template <class Arch>
void activation_backward_column_sum(Activation act, float* diff_src, const float* diff_dst, const float* dst,
                                    int64_t rows, int64_t cols, float* col_sum, bool accumulate) {
    switch (act) {
        case Activation::Identity:
            return activation_backward_column_sum_t<Arch, Activation::Identity>(diff_src, diff_dst, dst, rows, cols,
                                                                               col_sum, accumulate);
        case Activation::ReLU:
            return activation_backward_column_sum_t<Arch, Activation::ReLU>(diff_src, diff_dst, dst, rows, cols,
                                                                           col_sum, accumulate);
        case Activation::Sigmoid:
            return activation_backward_column_sum_t<Arch, Activation::Sigmoid>(diff_src, diff_dst, dst, rows, cols,
                                                                              col_sum, accumulate);
        case Activation::Tanh:
            return activation_backward_column_sum_t<Arch, Activation::Tanh>(diff_src, diff_dst, dst, rows, cols,
                                                                           col_sum, accumulate);
    }
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
