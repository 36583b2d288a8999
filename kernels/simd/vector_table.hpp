// The vector kernels of one instruction set as a VectorIsa table: included only by
// kernels/isa/vector_<isa>.cpp, which instantiates it for its Arch. constexpr, so the tables are
// initialised statically (constinit) and usable from any static initialiser.
#pragma once

#include "simd/batchnorm_kernel.hpp"
#include "simd/elementwise_kernel.hpp"
#include "simd/loss_kernel.hpp"
#include "simd/optimizer_kernel.hpp"
#include "simd/random_kernel.hpp"
#include "simd/reduce_kernel.hpp"
#include "simd/softmax_kernel.hpp"
#include "simd/vector_isa.hpp"

namespace nnfs::kernels::simd {

template <class Arch>
void math(detail::MathFn fn, float* dst, const float* src, int64_t n) {
    for_vectors<Arch>(n, [&](int64_t i, auto part) {
        const vfloat<Arch> x = load<Arch>(src + i, part);
        switch (fn) {
            case detail::MathFn::Exp: store<Arch>(dst + i, exp<Arch>(x), part); break;
            case detail::MathFn::Log: store<Arch>(dst + i, log<Arch>(x), part); break;
            case detail::MathFn::Log1m: store<Arch>(dst + i, log1m<Arch>(x), part); break;
            case detail::MathFn::Tanh: store<Arch>(dst + i, tanh<Arch>(x), part); break;
            case detail::MathFn::Sigmoid: store<Arch>(dst + i, sigmoid<Arch>(x), part); break;
        }
    });
}

template <class Arch>
constexpr detail::VectorIsa vector_table(const char* name) {
    detail::VectorIsa t;
    t.name = name;
    t.activation_forward = &activation_forward<Arch>;
    t.activation_backward = &activation_backward<Arch>;
    t.activation_backward_column_sum = &activation_backward_column_sum<Arch>;
    t.multiply = &multiply<Arch>;
    t.fill = &fill<Arch>;
    t.softmax_forward = &softmax_forward<Arch>;
    t.log_softmax_forward = &log_softmax_forward<Arch>;
    t.softmax_backward = &softmax_backward<Arch>;
    t.cross_entropy_forward = &cross_entropy_forward<Arch>;
    t.cross_entropy_backward = &cross_entropy_backward<Arch>;
    t.cross_entropy_prob_forward = &cross_entropy_prob_forward<Arch>;
    t.cross_entropy_prob_backward = &cross_entropy_prob_backward<Arch>;
    t.mse_forward = &mse_forward<Arch>;
    t.mse_backward = &mse_backward<Arch>;
    t.bce_forward = &bce_forward<Arch>;
    t.bce_backward = &bce_backward<Arch>;
    t.bce_logits_forward = &bce_logits_forward<Arch>;
    t.bce_logits_backward = &bce_logits_backward<Arch>;
    t.column_sum = &column_sum<Arch>;
    t.row_sum = &row_sum<Arch>;
    t.batchnorm_forward_train = &batchnorm_forward_train<Arch>;
    t.batchnorm_forward_eval = &batchnorm_forward_eval<Arch>;
    t.batchnorm_backward = &batchnorm_backward<Arch>;
    t.sgd_update = &sgd_update<Arch>;
    t.adam_update = &adam_update<Arch>;
    t.uniform_fill = &uniform_fill<Arch>;
    t.normal_fill = &normal_fill<Arch>;
    t.dropout_forward = &dropout_forward<Arch>;
    t.activation_forward_nt = &activation_forward<Arch, true>;
    t.activation_backward_nt = &activation_backward<Arch, true>;
    t.multiply_nt = &multiply<Arch, true>;
    t.fill_nt = &fill<Arch, true>;
    t.mse_backward_nt = &mse_backward<Arch, true>;
    t.bce_backward_nt = &bce_backward<Arch, true>;
    t.bce_logits_backward_nt = &bce_logits_backward<Arch, true>;
    t.math = &math<Arch>;
    t.sqrt_over = &sqrt_over<Arch>;
    return t;
}

}  // namespace nnfs::kernels::simd
