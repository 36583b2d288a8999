// Row and column sums of a rows x cols row-major matrix, and column sums fused with an activation's
// backward (the bias gradient of the Linear before it).
#pragma once

#include <type_traits>

#include "simd/activation.hpp"
#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

// dst[j] (+)= sum_i value(i cols + j, part) (value(offset, part) gets the offset of a vector's first
// element). Each column's sum: float runs of 8 rows per lane, each run added into a double accumulator,
// so the error does not grow with rows. Columns are taken in panels of up to kColumnPanel whose double
// accumulators live on the stack, rows in order within a panel: memory is read in long contiguous runs.
// (Walking down one block of columns at a time strides a whole row per step, which no hardware
// prefetcher follows past a page: a 512 x 1024 bias gradient then waited on every line from L3.)
constexpr int64_t kColumnPanel = 1024;  // 8 KB of doubles on the stack

template <class Arch, class Value>
void column_sums(float* dst, int64_t rows, int64_t cols, bool accumulate, Value value) {
    using V = vfloat<Arch>;
    using D = vdouble<Arch>;
    constexpr int64_t W = V::size, WD = D::size, kRun = 8;
    alignas(64) double sum[kColumnPanel];
    for (int64_t c0 = 0; c0 < cols; c0 += kColumnPanel) {
        const int64_t P = cols - c0 < kColumnPanel ? cols - c0 : kColumnPanel;
        for (int64_t j = 0; j < (P + W - 1) / W * W; ++j) sum[j] = 0.0;
        for (int64_t r0 = 0; r0 < rows; r0 += kRun) {
            const int64_t r1 = r0 + kRun < rows ? r0 + kRun : rows;
            // NV vectors of columns from c (the last one `part`): one run of rows r0..r1 into sum.
            const auto run = [&]<int NV>(std::integral_constant<int, NV>, int64_t c, auto part) {
                V a[NV];
                for (int v = 0; v < NV; ++v) a[v] = V(0.0f);
                for (int64_t r = r0; r < r1; ++r)
                    for (int v = 0; v < NV; ++v) a[v] += value(r * cols + c0 + c + v * W, part);
                for (int v = 0; v < NV; ++v) {
                    D lo, hi;
                    widen<Arch>(a[v], lo, hi);
                    double* s = sum + c + v * W;
                    (D::load_aligned(s) + lo).store_aligned(s);
                    (D::load_aligned(s + WD) + hi).store_aligned(s + WD);
                }
            };
            int64_t c = 0;
            for (; c + 4 * W <= P; c += 4 * W) run(std::integral_constant<int, 4>{}, c, Full{});
            for (; c + W <= P; c += W) run(std::integral_constant<int, 1>{}, c, Full{});
            if (c < P) run(std::integral_constant<int, 1>{}, c, Tail{P - c});
        }
        for_vectors<Arch>(P, [&](int64_t c, auto part) {
            V s = narrow<Arch>(D::load_aligned(sum + c), D::load_aligned(sum + c + WD));
            if (accumulate) s = load<Arch>(dst + c0 + c, part) + s;
            store<Arch>(dst + c0 + c, s, part);
        });
    }
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
