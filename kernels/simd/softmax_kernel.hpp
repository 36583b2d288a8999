// Row softmax, log-softmax, the softmax Jacobian-vector product and the fused softmax-cross-entropy
// losses over a rows x cols row-major matrix, row by row (a row is read from cache after its first
// pass). Per row: m = max_j x_j (pass 1), log_sum = log sum_j exp(x_j - m) (pass 2, the exps summed
// in float runs flushed into double), then the output pass: log_softmax_j = (x_j - m) - log_sum,
// softmax_j = exp(log_softmax_j), the same expressions as the reference. Loss sums are in double.
#pragma once

#include <cmath>
#include <limits>

#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

template <class Arch>
inline float row_max(const float* x, int64_t cols) {
    using V = vfloat<Arch>;
    V m(-std::numeric_limits<float>::infinity());
    for_vectors<Arch>(cols, [&](int64_t j, auto part) {
        m = xsimd::max(m, load<Arch>(x + j, part, -std::numeric_limits<float>::infinity()));
    });
    return max_lane<Arch>(m);
}

// The row's max and log(sum_j exp(x_j - max)).
struct RowStats {
    float max, log_sum;
};
template <class Arch>
inline RowStats row_stats(const float* x, int64_t cols) {
    const float m = row_max<Arch>(x, cols);
    const vfloat<Arch> vm(m);
    const double s = sum_terms<Arch>(cols, [&](int64_t j, auto part) { return exp<Arch>(load<Arch>(x + j, part) - vm); });
    return {m, static_cast<float>(std::log(s))};
}

// y = exp((x - m) - log_sum) (Log = false) or (x - m) - log_sum (Log = true) over one row.
template <class Arch, bool Log>
inline void row_output(float* y, const float* x, int64_t cols, RowStats st) {
    using V = vfloat<Arch>;
    const V vm(st.max), vl(st.log_sum);
    for_vectors<Arch>(cols, [&](int64_t j, auto part) {
        const V lp = (load<Arch>(x + j, part) - vm) - vl;
        store<Arch>(y + j, Log ? lp : exp<Arch>(lp), part);
    });
}

template <class Arch>
void softmax_forward(float* dst, const float* src, int64_t rows, int64_t cols) {
    if (cols <= 0) return;
    for (int64_t i = 0; i < rows; ++i)
        row_output<Arch, false>(dst + i * cols, src + i * cols, cols, row_stats<Arch>(src + i * cols, cols));
}

template <class Arch>
void log_softmax_forward(float* dst, const float* src, int64_t rows, int64_t cols) {
    if (cols <= 0) return;
    for (int64_t i = 0; i < rows; ++i)
        row_output<Arch, true>(dst + i * cols, src + i * cols, cols, row_stats<Arch>(src + i * cols, cols));
}

// diff_src_ij = y_ij (dy_ij - sum_k dy_ik y_ik), the dot product summed in double runs.
template <class Arch>
void softmax_backward(float* diff_src, const float* diff_dst, const float* dst, int64_t rows, int64_t cols) {
    using V = vfloat<Arch>;
    for (int64_t i = 0; i < rows; ++i) {
        const float *dy = diff_dst + i * cols, *y = dst + i * cols;
        const double dot = sum_terms<Arch>(cols, [&](int64_t j, auto part) {
            return load<Arch>(dy + j, part) * load<Arch>(y + j, part);
        });
        const V vd(static_cast<float>(dot));
        for_vectors<Arch>(cols, [&](int64_t j, auto part) {
            store<Arch>(diff_src + i * cols + j, load<Arch>(y + j, part) * (load<Arch>(dy + j, part) - vd), part);
        });
    }
}

// loss_i = log_sum - (x_it - m); prob = softmax(x).
template <class Arch>
float cross_entropy_forward(float* prob, const float* logits, const int32_t* target, int64_t rows, int64_t cols) {
    if (cols <= 0 || rows <= 0) return 0.0f;
    double total = 0.0;
    for (int64_t i = 0; i < rows; ++i) {
        const float* x = logits + i * cols;
        const RowStats st = row_stats<Arch>(x, cols);
        row_output<Arch, false>(prob + i * cols, x, cols, st);
        total -= double{x[target[i]] - st.max} - double{st.log_sum};
    }
    return static_cast<float>(total / static_cast<double>(rows));
}

// diff = scale * (prob - onehot(target)).
template <class Arch>
void cross_entropy_backward(float* diff_logits, const float* prob, const int32_t* target, int64_t rows, int64_t cols,
                            float scale) {
    const vfloat<Arch> k(scale);
    for (int64_t i = 0; i < rows; ++i) {
        float* d = diff_logits + i * cols;
        const float* p = prob + i * cols;
        for_vectors<Arch>(cols, [&](int64_t j, auto part) { store<Arch>(d + j, k * load<Arch>(p + j, part), part); });
        d[target[i]] = scale * (p[target[i]] - 1.0f);
    }
}

// loss_i = -sum_j p_ij log_softmax(x_i)_j, prob = softmax(x): one output pass writes prob and sums p lp.
template <class Arch>
float cross_entropy_prob_forward(float* prob, const float* logits, const float* target, int64_t rows,
                                 int64_t cols) {
    using V = vfloat<Arch>;
    if (cols <= 0 || rows <= 0) return 0.0f;
    double total = 0.0;
    for (int64_t i = 0; i < rows; ++i) {
        const float *x = logits + i * cols, *t = target + i * cols;
        float* y = prob + i * cols;
        const RowStats st = row_stats<Arch>(x, cols);
        const V vm(st.max), vl(st.log_sum);
        total -= sum_terms<Arch>(cols, [&](int64_t j, auto part) {
            const V lp = (load<Arch>(x + j, part) - vm) - vl;
            store<Arch>(y + j, exp<Arch>(lp), part);
            return load<Arch>(t + j, part) * lp;
        });
    }
    return static_cast<float>(total / static_cast<double>(rows));
}

// diff = scale * (prob * sum_j p_ij - p).
template <class Arch>
void cross_entropy_prob_backward(float* diff_logits, const float* prob, const float* target, int64_t rows,
                                 int64_t cols, float scale) {
    using V = vfloat<Arch>;
    const V k(scale);
    for (int64_t i = 0; i < rows; ++i) {
        const float *p = prob + i * cols, *t = target + i * cols;
        const V mass(static_cast<float>(sum_terms<Arch>(cols, [&](int64_t j, auto part) { return load<Arch>(t + j, part); })));
        for_vectors<Arch>(cols, [&](int64_t j, auto part) {
            store<Arch>(diff_logits + i * cols + j, k * (load<Arch>(p + j, part) * mass - load<Arch>(t + j, part)), part);
        });
    }
}

}  // namespace nnfs::kernels::simd
