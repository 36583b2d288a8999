// Reference BatchNorm1d over an N x C batch: two-pass statistics in double (mean, then centred variance).
#include <cmath>

#include "nnfs/kernels.hpp"

namespace nnfs::kernels::ref {

void batchnorm_forward_train(float* dst, float* xhat, float* mean, float* var, float* invstd, const float* src,
                             const float* gamma, const float* beta, int64_t N, int64_t C, float eps) {
    if (N <= 0) return;  // no statistics of no rows (as the vector kernels: nothing is written)
    for (int64_t c = 0; c < C; ++c) {
        double s = 0.0;
        for (int64_t i = 0; i < N; ++i) s += src[i * C + c];
        const double mu = s / static_cast<double>(N);
        double ss = 0.0;
        for (int64_t i = 0; i < N; ++i) {
            const double d = src[i * C + c] - mu;
            ss += d * d;
        }
        const double v = ss / static_cast<double>(N);
        mean[c] = static_cast<float>(mu);
        var[c] = static_cast<float>(v);
        invstd[c] = static_cast<float>(1.0 / std::sqrt(v + double{eps}));
        for (int64_t i = 0; i < N; ++i) {
            const float h = (src[i * C + c] - mean[c]) * invstd[c];
            xhat[i * C + c] = h;
            dst[i * C + c] = gamma[c] * h + beta[c];
        }
    }
}

void batchnorm_forward_eval(float* dst, float* xhat, float* invstd, const float* src, const float* gamma,
                            const float* beta, const float* running_mean, const float* running_var, int64_t N,
                            int64_t C, float eps) {
    for (int64_t c = 0; c < C; ++c) invstd[c] = static_cast<float>(1.0 / std::sqrt(double{running_var[c]} + eps));
    for (int64_t i = 0; i < N; ++i) {
        for (int64_t c = 0; c < C; ++c) {
            const float h = (src[i * C + c] - running_mean[c]) * invstd[c];
            xhat[i * C + c] = h;
            dst[i * C + c] = gamma[c] * h + beta[c];
        }
    }
}

void batchnorm_update_running(float* running_mean, float* running_var, const float* mean, const float* var,
                              int64_t N, int64_t C, float momentum) {
    // PyTorch updates the running variance with the unbiased estimate var N / (N - 1).
    const float unbias = N > 1 ? static_cast<float>(N) / static_cast<float>(N - 1) : 1.0f;
    for (int64_t c = 0; c < C; ++c) {
        running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean[c];
        running_var[c] = (1.0f - momentum) * running_var[c] + momentum * var[c] * unbias;
    }
}

void batchnorm_backward(float* diff_src, float* diff_gamma, float* diff_beta, const float* diff_dst,
                        const float* xhat, const float* invstd, const float* gamma, int64_t N, int64_t C,
                        bool batch_statistics) {
    for (int64_t c = 0; c < C; ++c) {
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (int64_t i = 0; i < N; ++i) {
            sum_dy += diff_dst[i * C + c];
            sum_dy_xhat += double{diff_dst[i * C + c]} * double{xhat[i * C + c]};
        }
        diff_gamma[c] += static_cast<float>(sum_dy_xhat);
        diff_beta[c] += static_cast<float>(sum_dy);
        if (!diff_src) continue;
        const float k = gamma[c] * invstd[c];
        for (int64_t i = 0; i < N; ++i) {
            const int64_t e = i * C + c;
            if (batch_statistics) {
                const double inner = static_cast<double>(N) * diff_dst[e] - sum_dy - xhat[e] * sum_dy_xhat;
                diff_src[e] = static_cast<float>(k * inner / static_cast<double>(N));
            } else {
                diff_src[e] = k * diff_dst[e];
            }
        }
    }
}

}  // namespace nnfs::kernels::ref
