// Reference row softmax, log-softmax and the softmax Jacobian-vector product.
#include <algorithm>
#include <cmath>

#include "nnfs/kernels.hpp"
#include "row_stats.hpp"

namespace nnfs::kernels::ref {

using detail::row_stats;
using detail::RowStats;

void softmax_forward(float* dst, const float* src, int64_t rows, int64_t cols) {
    if (cols <= 0) return;  // (a row of no columns has no max)
    for (int64_t i = 0; i < rows; ++i) {
        const float* x = src + i * cols;
        float* y = dst + i * cols;
        const RowStats st = row_stats(x, cols);
        for (int64_t j = 0; j < cols; ++j) y[j] = std::exp(x[j] - st.max - st.log_sum);
    }
}

void log_softmax_forward(float* dst, const float* src, int64_t rows, int64_t cols) {
    if (cols <= 0) return;
    for (int64_t i = 0; i < rows; ++i) {
        const float* x = src + i * cols;
        float* y = dst + i * cols;
        const RowStats st = row_stats(x, cols);
        for (int64_t j = 0; j < cols; ++j) y[j] = (x[j] - st.max) - st.log_sum;
    }
}

void softmax_backward(float* diff_src, const float* diff_dst, const float* dst, int64_t rows, int64_t cols) {
    for (int64_t i = 0; i < rows; ++i) {
        const float* dy = diff_dst + i * cols;
        const float* y = dst + i * cols;
        double dot = 0.0;
        for (int64_t j = 0; j < cols; ++j) dot += double{dy[j]} * double{y[j]};
        for (int64_t j = 0; j < cols; ++j) diff_src[i * cols + j] = y[j] * (dy[j] - static_cast<float>(dot));
    }
}

}  // namespace nnfs::kernels::ref
