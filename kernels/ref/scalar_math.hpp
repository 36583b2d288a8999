// Scalar forms of the activation functions, shared by the reference kernels (kernels/ref/*.cpp).
#pragma once

#include <cmath>

#include "nnfs/kernels.hpp"

namespace nnfs::kernels::detail {

// 1 / (1 + exp(-x)) without overflow: for x < 0 use exp(x) / (1 + exp(x)).
inline float sigmoid(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
    const float e = std::exp(x);
    return e / (1.0f + e);
}

inline float activate(Activation act, float x) {
    switch (act) {
        case Activation::ReLU: return x < 0.0f ? 0.0f : x;  // PyTorch's: NaN and -0 pass through
        case Activation::Sigmoid: return sigmoid(x);
        case Activation::Tanh: return std::tanh(x);
        case Activation::Identity: break;
    }
    return x;
}

// dx = dy act'(x), act' expressed through y = act(x). ReLU selects (PyTorch's threshold_backward):
// y <= 0 gives 0 even for an infinite dy, a NaN y passes dy.
inline float activation_grad(Activation act, float dy, float y) {
    switch (act) {
        case Activation::ReLU: return y <= 0.0f ? 0.0f : dy;
        case Activation::Sigmoid: return dy * (y * (1.0f - y));
        case Activation::Tanh: return dy * ((1.0f - y) * (1.0f + y));  // 1 - y^2 to ~1 ulp even as y nears 1
        case Activation::Identity: break;
    }
    return dy;
}

}  // namespace nnfs::kernels::detail
