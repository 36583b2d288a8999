// Reference optimizer updates, in PyTorch's order of operations (torch/optim/sgd.py, adam.py, adamw.py).
#include <cmath>

#include "nnfs/kernels.hpp"

namespace nnfs::kernels::ref {

void sgd_update(float* param, float* velocity, const float* grad, int64_t n, float lr, float momentum,
                float weight_decay, bool nesterov) {
    for (int64_t i = 0; i < n; ++i) {
        float g = grad[i];
        if (weight_decay != 0.0f) g += weight_decay * param[i];
        if (momentum != 0.0f) {
            velocity[i] = momentum * velocity[i] + g;
            g = nesterov ? g + momentum * velocity[i] : velocity[i];
        }
        param[i] -= lr * g;
    }
}

void adam_update(float* param, float* m, float* v, const float* grad, int64_t n, float lr, float beta1,
                 float beta2, float eps, float weight_decay, bool decoupled, int64_t step) {
    // Scalars computed in double once, as PyTorch does in Python, then used in float.
    const double t = static_cast<double>(step);
    const float step_size = static_cast<float>(lr / (1.0 - std::pow(double{beta1}, t)));
    const float bias_correction2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(double{beta2}, t)));
    const float decay = decoupled ? static_cast<float>(1.0 - double{lr} * weight_decay) : 1.0f;
    const float one_minus_beta1 = static_cast<float>(1.0 - beta1), one_minus_beta2 = static_cast<float>(1.0 - beta2);
    for (int64_t i = 0; i < n; ++i) {
        float g = grad[i];
        if (decoupled) {
            param[i] *= decay;
        } else if (weight_decay != 0.0f) {
            g += weight_decay * param[i];
        }
        m[i] = beta1 * m[i] + one_minus_beta1 * g;
        v[i] = beta2 * v[i] + one_minus_beta2 * g * g;
        const float denom = std::sqrt(v[i]) / bias_correction2_sqrt + eps;
        param[i] -= step_size * (m[i] / denom);
    }
}

}  // namespace nnfs::kernels::ref
