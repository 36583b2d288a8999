// The activations on one vector, shared by the elementwise kernels and the SGEMM epilogue (so a fused
// Linear + activation and the activation module compute the same function).
//   ReLU     y = x < 0 ? 0 : x          (PyTorch's: NaN and -0 pass through)
//   Sigmoid  y = 1 / (1 + exp(-x))      (simd/math.hpp, < 1e-6 relative error)
//   Tanh     y = tanh(x)                (simd/math.hpp, saturating at +-1)
// and their derivatives through y = act(x): ReLU y > 0 (applied by select, see activation_grad),
// Sigmoid y (1 - y), Tanh (1 - y)(1 + y).
#pragma once

#include <xsimd/xsimd.hpp>

#include "nnfs/kernels.hpp"
#include "simd/math.hpp"

namespace nnfs::kernels::simd {

template <class Arch, Activation Act>
inline vfloat<Arch> activate(vfloat<Arch> x) {
    using V = vfloat<Arch>;
    if constexpr (Act == Activation::ReLU) return xsimd::select(x < V(0.0f), V(0.0f), x);
    else if constexpr (Act == Activation::Sigmoid) return sigmoid<Arch>(x);
    else if constexpr (Act == Activation::Tanh) return tanh<Arch>(x);
    else return x;
}

// dx = dy act'(x), act' expressed through y = act(x). ReLU selects instead of multiplying, as PyTorch's
// threshold_backward does: dx = y <= 0 ? 0 : dy (an infinite dy on the flat side gives 0, not NaN;
// a NaN output passes dy).
template <class Arch, Activation Act>
inline vfloat<Arch> activation_grad(vfloat<Arch> dy, vfloat<Arch> y) {
    using V = vfloat<Arch>;
    if constexpr (Act == Activation::ReLU) return xsimd::select(y <= V(0.0f), V(0.0f), dy);
    else if constexpr (Act == Activation::Sigmoid) return dy * (y * (V(1.0f) - y));
    else if constexpr (Act == Activation::Tanh) return dy * ((V(1.0f) - y) * (V(1.0f) + y));
    else return dy;
}

}  // namespace nnfs::kernels::simd
