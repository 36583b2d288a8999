// Scalar forms of the activation functions, shared by the reference kernels and vector tails.
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
        case Activation::ReLU: return x <= 0.0f ? 0.0f : x;  // NaN stays NaN, as PyTorch's relu; -0 gives +0
        case Activation::Sigmoid: return sigmoid(x);
        case Activation::Tanh: return std::tanh(x);
        case Activation::Identity: break;
    }
    return x;
}

// act'(x) expressed through y = act(x).
inline float activation_derivative(Activation act, float y) {
    switch (act) {
        case Activation::ReLU: return y <= 0.0f ? 0.0f : 1.0f;  // NaN passes the gradient, as PyTorch's threshold_backward
        case Activation::Sigmoid: return y * (1.0f - y);
        case Activation::Tanh: return (1.0f - y) * (1.0f + y);  // 1 - y^2 to ~1 ulp even as y nears 1
        case Activation::Identity: break;
    }
    return 1.0f;
}

}  // namespace nnfs::kernels::detail
