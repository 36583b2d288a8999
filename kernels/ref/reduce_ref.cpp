// Reference row and column sums (accumulated in double, in row order).
#include "nnfs/kernels.hpp"

namespace nnfs::kernels::ref {

void column_sum(float* dst, const float* src, int64_t rows, int64_t cols, bool accumulate) {
    for (int64_t j = 0; j < cols; ++j) {
        double s = 0.0;
        for (int64_t i = 0; i < rows; ++i) s += src[i * cols + j];
        dst[j] = accumulate ? dst[j] + static_cast<float>(s) : static_cast<float>(s);
    }
}

void row_sum(float* dst, const float* src, int64_t rows, int64_t cols) {
    for (int64_t i = 0; i < rows; ++i) {
        double s = 0.0;
        for (int64_t j = 0; j < cols; ++j) s += src[i * cols + j];
        dst[i] = static_cast<float>(s);
    }
}

}  // namespace nnfs::kernels::ref
