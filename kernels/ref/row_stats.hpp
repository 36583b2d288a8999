// The stable pieces of logsumexp over one row: max_k x_k and log(sum_k exp(x_k - max)).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace nnfs::kernels::detail {

struct RowStats {
    float max;
    float log_sum;  // logsumexp(x) = max + log_sum
};

inline RowStats row_stats(const float* x, int64_t cols) {
    float m = x[0];
    for (int64_t j = 1; j < cols; ++j) m = std::max(m, x[j]);
    double s = 0.0;
    for (int64_t j = 0; j < cols; ++j) s += std::exp(double{x[j]} - double{m});
    return {m, static_cast<float>(std::log(s))};
}

}  // namespace nnfs::kernels::detail
