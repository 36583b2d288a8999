// Elementwise vector kernels: activations forward and backward, multiply, fill. Each maps n floats to
// n floats (dst may alias the inputs), reads every input once and writes dst once; contracts and
// formulas are those of nnfs/kernel_functions.inc. NT: dst (vector-aligned) written with non-temporal
// stores (store_out), for outputs too large to stay in the caches.
#pragma once

#include "nnfs/kernels.hpp"
#include "simd/activation.hpp"
#include "simd/vector_common.hpp"

namespace nnfs::kernels::simd {

template <class Arch, Activation Act, bool NT>
void activation_forward_t(float* dst, const float* src, int64_t n) {
    for_vectors<Arch>(n, [&](int64_t i, auto part) {
        store_out<Arch, NT>(dst + i, activate<Arch, Act>(load<Arch>(src + i, part)), part);
    });
    end_output<NT>();
}

template <class Arch, Activation Act, bool NT>
void activation_backward_t(float* diff_src, const float* diff_dst, const float* dst, int64_t n) {
    for_vectors<Arch>(n, [&](int64_t i, auto part) {
        const auto dy = load<Arch>(diff_dst + i, part), y = load<Arch>(dst + i, part);
        store_out<Arch, NT>(diff_src + i, activation_grad<Arch, Act>(dy, y), part);
    });
    end_output<NT>();
}

// Sigmoid and Tanh forward keep ordinary stores: they compute at about DRAM's rate (30 GB/s on one core
// here), and from DRAM (2^26 floats) non-temporal stores made them slower, not faster: Tanh 12.5 -> 10.1
// GB/s on AVX-512, 10.4 -> 4.7 on AVX2, Sigmoid on AVX2 11.9 -> 8.4 (bm_kernels, medians of 3 alternations).
template <class Arch, bool NT = false>
void activation_forward(Activation act, float* dst, const float* src, int64_t n) {
    switch (act) {
        case Activation::ReLU: return activation_forward_t<Arch, Activation::ReLU, NT>(dst, src, n);
        case Activation::Sigmoid: return activation_forward_t<Arch, Activation::Sigmoid, false>(dst, src, n);
        case Activation::Tanh: return activation_forward_t<Arch, Activation::Tanh, false>(dst, src, n);
        case Activation::Identity: break;
    }
    activation_forward_t<Arch, Activation::Identity, NT>(dst, src, n);
}

template <class Arch, bool NT = false>
void activation_backward(Activation act, float* diff_src, const float* diff_dst, const float* dst, int64_t n) {
    switch (act) {
        case Activation::ReLU: return activation_backward_t<Arch, Activation::ReLU, NT>(diff_src, diff_dst, dst, n);
        case Activation::Sigmoid: return activation_backward_t<Arch, Activation::Sigmoid, NT>(diff_src, diff_dst, dst, n);
        case Activation::Tanh: return activation_backward_t<Arch, Activation::Tanh, NT>(diff_src, diff_dst, dst, n);
        case Activation::Identity: break;
    }
    activation_backward_t<Arch, Activation::Identity, NT>(diff_src, diff_dst, dst, n);
}

// dst = a * b.
template <class Arch, bool NT = false>
void multiply(float* dst, const float* a, const float* b, int64_t n) {
    for_vectors<Arch>(n, [&](int64_t i, auto part) {
        store_out<Arch, NT>(dst + i, load<Arch>(a + i, part) * load<Arch>(b + i, part), part);
    });
    end_output<NT>();
}

// dst = value.
template <class Arch, bool NT = false>
void fill(float* dst, float value, int64_t n) {
    const vfloat<Arch> v(value);
    for_vectors<Arch>(n, [&](int64_t i, auto part) { store_out<Arch, NT>(dst + i, v, part); });
    end_output<NT>();
}

}  // namespace nnfs::kernels::simd
