// Optimizer updates over n parameters in one pass: parameter, gradient and state are each read once
// and the parameter and state written once. The operations are the reference's, in its order and in
// float, without contraction, so the results are bitwise identical to nnfs::kernels::ref (Adam's
// sqrt(v) / b takes other operations that round alike: SqrtOverConstant below).
#pragma once

#include <cmath>

#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

// g = grad + wd param (wd != 0); with momentum: v = mu v + g, g = nesterov ? g + mu v : v; param -= lr g.
template <class Arch, bool Decay, bool Momentum, bool Nesterov>
void sgd_update_t(float* param, float* velocity, const float* grad, int64_t n, float lr, float momentum,
                  float weight_decay) {
    using V = vfloat<Arch>;
    const V vlr(lr), vmu(momentum), vwd(weight_decay);
    for_vectors<Arch>(n, [&](int64_t i, auto part) {
        const V p = load<Arch>(param + i, part);
        V g = load<Arch>(grad + i, part);
        if constexpr (Decay) g = g + vwd * p;
        if constexpr (Momentum) {
            const V v = vmu * load<Arch>(velocity + i, part) + g;
            store<Arch>(velocity + i, v, part);
            g = Nesterov ? g + vmu * v : v;
        }
        store<Arch>(param + i, p - vlr * g, part);
    });
}

template <class Arch>
void sgd_update(float* param, float* velocity, const float* grad, int64_t n, float lr, float momentum,
                float weight_decay, bool nesterov) {
    const bool decay = weight_decay != 0.0f;
    if (momentum == 0.0f)
        return decay ? sgd_update_t<Arch, true, false, false>(param, velocity, grad, n, lr, momentum, weight_decay)
                     : sgd_update_t<Arch, false, false, false>(param, velocity, grad, n, lr, momentum, weight_decay);
    if (nesterov)
        return decay ? sgd_update_t<Arch, true, true, true>(param, velocity, grad, n, lr, momentum, weight_decay)
                     : sgd_update_t<Arch, false, true, true>(param, velocity, grad, n, lr, momentum, weight_decay);
    return decay ? sgd_update_t<Arch, true, true, false>(param, velocity, grad, n, lr, momentum, weight_decay)
                 : sgd_update_t<Arch, false, true, false>(param, velocity, grad, n, lr, momentum, weight_decay);
}

// sqrt(v) / b for Adam's constant b = sqrt(1 - beta2^t) in (0, 1], each rounded to float as the
// reference rounds it (sqrt, then the division). On ISAs with FMA, vectors whose v all lie in sqrt_range
// take sqrt_in_range and DivideByConstant (simd/math.hpp), off the divider: AVX-512 adam 69-73 -> 79-83
// GB/s in L1 and L2, AVX2 71-76 -> 76-81 (the divider keeps Adam's other quotient, m / denom: by a Newton
// reciprocal in double it measured slower than the division, 36 GB/s). Any other
// vector there (a v of zero, subnormal, infinite or NaN; the masked tail) takes the square root and the
// quotient by b as float(double(a) * y), y = 1 / b rounded to double: a / b rounded to float, the
// division's own bits, for every float a (0, inf and NaN included) and b > 0: the double is within 2^-52
// (relative) of a / b, and a quotient of floats is never closer than 2^-49 to a midpoint between floats
// (a / b - m = (a - m b) / b, with m of 25 significant bits and a - m b a nonzero multiple of a's or m b's
// last bit), so both round alike (checked too: all 2^23 significands of a against 78 values of b, and 4e8
// random pairs). SSE2 (no FMA, two doubles a vector) divides.
template <class Arch>
class SqrtOverConstant {
  public:
    explicit SqrtOverConstant(float b) : SqrtOverConstant(b, 1.0 / static_cast<double>(b)) {}
    vfloat<Arch> operator()(vfloat<Arch> v) const {
        if constexpr (kFusedFma<Arch>)
            if (sqrt_range<Arch>(v)) [[likely]]
                return divide_(sqrt_in_range<Arch>(v));
        return any(v);
    }

  private:
    SqrtOverConstant(float b, double inv_b) : inv_b_(inv_b), divide_(b, inv_b) {}
    vfloat<Arch> any(vfloat<Arch> v) const {
        const vfloat<Arch> a = xsimd::sqrt(v);
        if constexpr (vfloat<Arch>::size < 8) {
            return a / divide_.b;
        } else {
            vdouble<Arch> lo, hi;
            widen<Arch>(a, lo, hi);
            return narrow<Arch>(lo * inv_b_, hi * inv_b_);
        }
    }
    vdouble<Arch> inv_b_;
    DivideByConstant<Arch> divide_;
};

// dst[i] = sqrt(src[i]) / b as Adam computes it; only tests call it.
template <class Arch>
void sqrt_over(float* dst, const float* src, int64_t n, float b) {
    const SqrtOverConstant<Arch> sqrt_over_b(b);
    for_vectors<Arch>(n, [&](int64_t i, auto part) { store<Arch>(dst + i, sqrt_over_b(load<Arch>(src + i, part)), part); });
}

// Adam / AdamW (Mode 0: no decay, 1: L2 decay added to g, 2: decoupled param *= 1 - lr wd), then
// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; param -= step_size m / (sqrt(v) / b + eps), b =
// sqrt(1 - b2^t), each operation rounded to float as the reference rounds it.
template <class Arch, int Mode>
void adam_update_t(float* param, float* m, float* v, const float* grad, int64_t n, float beta1, float beta2,
                   float eps, float weight_decay, float step_size, float bc2_sqrt, float decay) {
    using V = vfloat<Arch>;
    const V b1(beta1), b2(beta2), omb1(static_cast<float>(1.0 - beta1)), omb2(static_cast<float>(1.0 - beta2));
    const V veps(eps), vwd(weight_decay), vstep(step_size), vdecay(decay);
    const SqrtOverConstant<Arch> sqrt_over_bc2(bc2_sqrt);
    for_vectors<Arch>(n, [&](int64_t i, auto part) {
        V p = load<Arch>(param + i, part), g = load<Arch>(grad + i, part);
        if constexpr (Mode == 2) p = p * vdecay;
        if constexpr (Mode == 1) g = g + vwd * p;
        const V mi = b1 * load<Arch>(m + i, part) + omb1 * g;
        const V vi = b2 * load<Arch>(v + i, part) + omb2 * g * g;
        store<Arch>(m + i, mi, part);
        store<Arch>(v + i, vi, part);
        const V denom = sqrt_over_bc2(vi) + veps;
        store<Arch>(param + i, p - vstep * (mi / denom), part);
    });
}

template <class Arch>
void adam_update(float* param, float* m, float* v, const float* grad, int64_t n, float lr, float beta1, float beta2,
                 float eps, float weight_decay, bool decoupled, int64_t step) {
    // Scalars in double once, as the reference (and PyTorch) computes them.
    const double t = static_cast<double>(step);
    const float step_size = static_cast<float>(lr / (1.0 - std::pow(double{beta1}, t)));
    const float bc2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(double{beta2}, t)));
    const float decay = decoupled ? static_cast<float>(1.0 - double{lr} * weight_decay) : 1.0f;
    if (decoupled)
        adam_update_t<Arch, 2>(param, m, v, grad, n, beta1, beta2, eps, weight_decay, step_size, bc2_sqrt, decay);
    else if (weight_decay != 0.0f)
        adam_update_t<Arch, 1>(param, m, v, grad, n, beta1, beta2, eps, weight_decay, step_size, bc2_sqrt, decay);
    else
        adam_update_t<Arch, 0>(param, m, v, grad, n, beta1, beta2, eps, weight_decay, step_size, bc2_sqrt, decay);
}

}  // namespace nnfs::kernels::simd
