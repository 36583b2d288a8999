// Elementwise losses over n elements (mean reduction; formulas in nnfs/kernel_functions.inc).
// Forward: one pass over prediction and target, the per-element terms summed by sum_terms (float runs
// of at most 8 terms per lane flushed into double), the mean returned as float. Every term is
// non-negative and computed to a few ulp, so the mean is accurate to ~1e-6 relative for any n.
// Backward: one pass, diff = scale * d loss_i / d x_i.
#pragma once

#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

template <class Arch>
float mse_forward(const float* pred, const float* target, int64_t n) {
    const double s = sum_terms<Arch>(n, [&](int64_t i, auto part) {
        const auto d = load<Arch>(pred + i, part) - load<Arch>(target + i, part);
        return d * d;
    });
    return n > 0 ? static_cast<float>(s / static_cast<double>(n)) : 0.0f;
}

template <class Arch, bool NT = false>
void mse_backward(float* diff_pred, const float* pred, const float* target, int64_t n, float scale) {
    const vfloat<Arch> k(scale * 2.0f);
    for_vectors<Arch>(n, [&](int64_t i, auto part) {
        store_out<Arch, NT>(diff_pred + i, k * (load<Arch>(pred + i, part) - load<Arch>(target + i, part)), part);
    });
    end_output<NT>();
}

// -(t log x + (1 - t) log(1 - x)), both logs clamped at -100; log(1 - x) through log1m, exact for tiny x.
template <class Arch>
float bce_forward(const float* prob, const float* target, int64_t n) {
    using V = vfloat<Arch>;
    const double s = sum_terms<Arch>(n, [&](int64_t i, auto part) {
        const V x = load<Arch>(prob + i, part, 0.5f), t = load<Arch>(target + i, part);
        // The log second: x86's max returns its second operand when one is NaN, so a NaN probability
        // stays NaN, as in the reference (first, a NaN lane became -100 and the loss finite).
        const V log_p = xsimd::max(V(-100.0f), log<Arch>(x)), log_1mp = xsimd::max(V(-100.0f), log1m<Arch>(x));
        return -(t * log_p + (V(1.0f) - t) * log_1mp);
    });
    return n > 0 ? static_cast<float>(s / static_cast<double>(n)) : 0.0f;
}

template <class Arch, bool NT = false>
void bce_backward(float* diff_prob, const float* prob, const float* target, int64_t n, float scale) {
    using V = vfloat<Arch>;
    const V k(scale), floor(1e-12f);  // PyTorch's floor on x (1 - x)
    for_vectors<Arch>(n, [&](int64_t i, auto part) {
        const V x = load<Arch>(prob + i, part), t = load<Arch>(target + i, part);
        store_out<Arch, NT>(diff_prob + i, (x - t) / xsimd::max((V(1.0f) - x) * x, floor) * k, part);
    });
    end_output<NT>();
}

// max(x, 0) - x t + log(1 + exp(-|x|)), with max(x, 0) - x t written as x (1 - t) or -x t so that it
// does not cancel for large |x|, and log(1 + e) = log1m(-e).
template <class Arch>
float bce_logits_forward(const float* logits, const float* target, int64_t n) {
    using V = vfloat<Arch>;
    const double s = sum_terms<Arch>(n, [&](int64_t i, auto part) {
        const V x = load<Arch>(logits + i, part), t = load<Arch>(target + i, part);
        const V lin = xsimd::select(x >= V(0.0f), x * (V(1.0f) - t), -x * t);
        return lin + log1m<Arch>(-exp<Arch, true>(xsimd::bitwise_or(x, V(-0.0f))));  // exp(-|x|)
    });
    return n > 0 ? static_cast<float>(s / static_cast<double>(n)) : 0.0f;
}

// SSE2 keeps ordinary stores even for NT: its sigmoid runs at about 10 GB/s, below DRAM's rate, and there
// non-temporal stores measured 6% slower (as for the Sigmoid and Tanh forwards, elementwise_kernel.hpp);
// AVX2 and AVX-512 gained 16-19%.
template <class Arch, bool NT = false>
void bce_logits_backward(float* diff_logits, const float* logits, const float* target, int64_t n, float scale) {
    constexpr bool kNT = NT && !std::is_same_v<Arch, xsimd::sse2>;
    const vfloat<Arch> k(scale);
    for_vectors<Arch>(n, [&](int64_t i, auto part) {
        const auto x = load<Arch>(logits + i, part), t = load<Arch>(target + i, part);
        store_out<Arch, kNT>(diff_logits + i, k * (sigmoid<Arch>(x) - t), part);
    });
    end_output<kNT>();
}

}  // namespace nnfs::kernels::simd
