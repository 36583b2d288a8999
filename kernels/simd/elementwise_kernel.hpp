// Elementwise vector kernels: activations forward and backward, multiply, fill. Each maps n floats to
// n floats (dst may alias the inputs), reads every input once and writes dst once; contracts and
// formulas are those of nnfs/kernel_functions.inc.
#pragma once

#include "nnfs/kernels.hpp"
#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

// y = act(x).
template <class Arch, Activation Act>
inline vfloat<Arch> activate(vfloat<Arch> x) {
    using V = vfloat<Arch>;
    if constexpr (Act == Activation::ReLU) return xsimd::select(x <= V(0.0f), V(0.0f), x);  // -0 -> +0, NaN stays, as ref
    else if constexpr (Act == Activation::Sigmoid) return sigmoid<Arch>(x);
    else if constexpr (Act == Activation::Tanh) return tanh<Arch>(x);
    else return x;
}

// act'(x) through y = act(x): ReLU y > 0; Sigmoid y (1 - y); Tanh (1 - y)(1 + y).
template <class Arch, Activation Act>
inline vfloat<Arch> derivative(vfloat<Arch> y) {
    using V = vfloat<Arch>;
    if constexpr (Act == Activation::ReLU) return xsimd::select(y <= V(0.0f), V(0.0f), V(1.0f));  // NaN: 1, as ref
    else if constexpr (Act == Activation::Sigmoid) return y * (V(1.0f) - y);
    else if constexpr (Act == Activation::Tanh) return (V(1.0f) - y) * (V(1.0f) + y);
    else return V(1.0f);
}

template <class Arch, Activation Act>
void activation_forward_t(float* dst, const float* src, int64_t n) {
    for_vectors<Arch>(n, [&](int64_t i, auto part) {
        store<Arch>(dst + i, activate<Arch, Act>(load<Arch>(src + i, part)), part);
    });
}

template <class Arch, Activation Act>
void activation_backward_t(float* diff_src, const float* diff_dst, const float* dst, int64_t n) {
    for_vectors<Arch>(n, [&](int64_t i, auto part) {
        const auto dy = load<Arch>(diff_dst + i, part), y = load<Arch>(dst + i, part);
        store<Arch>(diff_src + i, dy * derivative<Arch, Act>(y), part);
    });
}

template <class Arch>
void activation_forward(Activation act, float* dst, const float* src, int64_t n) {
    switch (act) {
        case Activation::ReLU: return activation_forward_t<Arch, Activation::ReLU>(dst, src, n);
        case Activation::Sigmoid: return activation_forward_t<Arch, Activation::Sigmoid>(dst, src, n);
        case Activation::Tanh: return activation_forward_t<Arch, Activation::Tanh>(dst, src, n);
        case Activation::Identity: break;
    }
    activation_forward_t<Arch, Activation::Identity>(dst, src, n);
}

template <class Arch>
void activation_backward(Activation act, float* diff_src, const float* diff_dst, const float* dst, int64_t n) {
    switch (act) {
        case Activation::ReLU: return activation_backward_t<Arch, Activation::ReLU>(diff_src, diff_dst, dst, n);
        case Activation::Sigmoid: return activation_backward_t<Arch, Activation::Sigmoid>(diff_src, diff_dst, dst, n);
        case Activation::Tanh: return activation_backward_t<Arch, Activation::Tanh>(diff_src, diff_dst, dst, n);
        case Activation::Identity: break;
    }
    activation_backward_t<Arch, Activation::Identity>(diff_src, diff_dst, dst, n);
}

// dst = a * b.
template <class Arch>
void multiply(float* dst, const float* a, const float* b, int64_t n) {
    for_vectors<Arch>(n, [&](int64_t i, auto part) {
        store<Arch>(dst + i, load<Arch>(a + i, part) * load<Arch>(b + i, part), part);
    });
}

// dst = value.
template <class Arch>
void fill(float* dst, float value, int64_t n) {
    const vfloat<Arch> v(value);
    for_vectors<Arch>(n, [&](int64_t i, auto part) { store<Arch>(dst + i, v, part); });
}

}  // namespace nnfs::kernels::simd
