// Reference elementwise activations and helpers.
#include "nnfs/kernels.hpp"
#include "scalar_math.hpp"

namespace nnfs::kernels::ref {

void activation_forward(Activation act, float* dst, const float* src, int64_t n) {
    for (int64_t i = 0; i < n; ++i) dst[i] = detail::activate(act, src[i]);
}

void activation_backward(Activation act, float* diff_src, const float* diff_dst, const float* dst, int64_t n) {
    for (int64_t i = 0; i < n; ++i) diff_src[i] = detail::activation_grad(act, diff_dst[i], dst[i]);
}

void activation_backward_column_sum(Activation act, float* diff_src, const float* diff_dst, const float* dst,
                                    int64_t rows, int64_t cols, float* col_sum, bool accumulate) {
    ref::activation_backward(act, diff_src, diff_dst, dst, rows * cols);
    ref::column_sum(col_sum, diff_src, rows, cols, accumulate);
}

void multiply(float* dst, const float* a, const float* b, int64_t n) {
    for (int64_t i = 0; i < n; ++i) dst[i] = a[i] * b[i];
}

void fill(float* dst, float value, int64_t n) {
    for (int64_t i = 0; i < n; ++i) dst[i] = value;
}

}  // namespace nnfs::kernels::ref
