// Reference loss kernels: fused softmax + cross-entropy, MSE, BCE on probabilities and on logits.
#include <algorithm>
#include <cmath>

#include "nnfs/kernels.hpp"
#include "row_stats.hpp"
#include "scalar_math.hpp"

namespace nnfs::kernels::ref {

namespace {
// prob_i = softmax(x_i); returns the row's log-softmax through `log_prob(j)`.
template <class PerRow>
double softmax_rows(float* prob, const float* logits, int64_t rows, int64_t cols, PerRow per_row) {
    if (rows <= 0 || cols <= 0) return 0.0;  // (as the vector kernels; a row of no columns has no max)
    double total = 0.0;
    for (int64_t i = 0; i < rows; ++i) {
        const float* x = logits + i * cols;
        const detail::RowStats st = detail::row_stats(x, cols);
        for (int64_t j = 0; j < cols; ++j) prob[i * cols + j] = std::exp(x[j] - st.max - st.log_sum);
        // log_softmax(x)_j = (x_j - max) - log_sum, exact for any logit magnitude.
        auto log_prob = [&](int64_t j) { return double{x[j] - st.max} - double{st.log_sum}; };
        total += per_row(i, log_prob);
    }
    return total / static_cast<double>(rows);
}
}  // namespace

float cross_entropy_forward(float* prob, const float* logits, const int32_t* target, int64_t rows, int64_t cols) {
    return static_cast<float>(
        softmax_rows(prob, logits, rows, cols, [&](int64_t i, auto log_prob) { return -log_prob(target[i]); }));
}

void cross_entropy_backward(float* diff_logits, const float* prob, const int32_t* target, int64_t rows,
                            int64_t cols, float scale) {
    for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < cols; ++j) {
            const float onehot = j == target[i] ? 1.0f : 0.0f;
            diff_logits[i * cols + j] = scale * (prob[i * cols + j] - onehot);
        }
    }
}

float cross_entropy_prob_forward(float* prob, const float* logits, const float* target, int64_t rows,
                                 int64_t cols) {
    return static_cast<float>(softmax_rows(prob, logits, rows, cols, [&](int64_t i, auto log_prob) {
        double s = 0.0;
        for (int64_t j = 0; j < cols; ++j) s -= double{target[i * cols + j]} * log_prob(j);
        return s;
    }));
}

void cross_entropy_prob_backward(float* diff_logits, const float* prob, const float* target, int64_t rows,
                                 int64_t cols, float scale) {
    for (int64_t i = 0; i < rows; ++i) {
        double mass = 0.0;
        for (int64_t j = 0; j < cols; ++j) mass += target[i * cols + j];
        for (int64_t j = 0; j < cols; ++j) {
            const int64_t k = i * cols + j;
            diff_logits[k] = scale * (prob[k] * static_cast<float>(mass) - target[k]);
        }
    }
}

float mse_forward(const float* pred, const float* target, int64_t n) {
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const double d = double{pred[i]} - double{target[i]};
        s += d * d;
    }
    return n > 0 ? static_cast<float>(s / static_cast<double>(n)) : 0.0f;
}

void mse_backward(float* diff_pred, const float* pred, const float* target, int64_t n, float scale) {
    for (int64_t i = 0; i < n; ++i) diff_pred[i] = scale * 2.0f * (pred[i] - target[i]);
}

float bce_forward(const float* prob, const float* target, int64_t n) {
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const double log_p = std::max(std::log(double{prob[i]}), -100.0);
        const double log_1mp = std::max(std::log(1.0 - double{prob[i]}), -100.0);
        s -= double{target[i]} * log_p + (1.0 - double{target[i]}) * log_1mp;
    }
    return n > 0 ? static_cast<float>(s / static_cast<double>(n)) : 0.0f;
}

void bce_backward(float* diff_prob, const float* prob, const float* target, int64_t n, float scale) {
    constexpr float kEps = 1e-12f;  // PyTorch's floor on x (1 - x)
    for (int64_t i = 0; i < n; ++i) {
        const float x = prob[i];
        diff_prob[i] = (x - target[i]) / std::max((1.0f - x) * x, kEps) * scale;
    }
}

float bce_logits_forward(const float* logits, const float* target, int64_t n) {
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const double x = logits[i], t = target[i];
        // max(x, 0) - x t as x (1 - t) or -x t, as the vector kernels write it: at x = +inf, t = 0 the other
        // form is inf - inf 0 = NaN where the loss is +inf (PyTorch's (1 - t) x + max(-x, 0) + ... too).
        s += (x >= 0.0 ? x * (1.0 - t) : -x * t) + std::log1p(std::exp(-std::abs(x)));
    }
    return n > 0 ? static_cast<float>(s / static_cast<double>(n)) : 0.0f;
}

void bce_logits_backward(float* diff_logits, const float* logits, const float* target, int64_t n, float scale) {
    for (int64_t i = 0; i < n; ++i) {
        diff_logits[i] = scale * (detail::sigmoid(logits[i]) - target[i]);
    }
}

}  // namespace nnfs::kernels::ref
