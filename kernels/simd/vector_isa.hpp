// The interface between the dispatcher (kernels/dispatch.cpp, baseline x86-64) and the per-ISA
// vector kernels (kernels/isa/vector_<isa>.cpp, each built with its own instruction-set flags):
// one table of function pointers per instruction set. A slot an ISA does not fill keeps the scalar
// reference. No xsimd here: this header is included by code that must run on any x86-64.
#pragma once

#include "nnfs/kernels.hpp"

namespace nnfs::kernels::detail {

// The vector math functions of kernels/simd/math.hpp, exposed for the accuracy test.
enum class MathFn { Exp, Log, Log1m, Tanh, Sigmoid };

struct VectorIsa {
    const char* name = "ref";  // "avx512", "avx2", "sse2" or "ref"
    decltype(&ref::activation_forward) activation_forward = &ref::activation_forward;
    decltype(&ref::activation_backward) activation_backward = &ref::activation_backward;
    decltype(&ref::activation_backward_column_sum) activation_backward_column_sum = &ref::activation_backward_column_sum;
    decltype(&ref::softmax_forward) softmax_forward = &ref::softmax_forward;
    decltype(&ref::log_softmax_forward) log_softmax_forward = &ref::log_softmax_forward;
    decltype(&ref::softmax_backward) softmax_backward = &ref::softmax_backward;
    decltype(&ref::cross_entropy_forward) cross_entropy_forward = &ref::cross_entropy_forward;
    decltype(&ref::cross_entropy_backward) cross_entropy_backward = &ref::cross_entropy_backward;
    decltype(&ref::cross_entropy_prob_forward) cross_entropy_prob_forward = &ref::cross_entropy_prob_forward;
    decltype(&ref::cross_entropy_prob_backward) cross_entropy_prob_backward = &ref::cross_entropy_prob_backward;
    decltype(&ref::mse_forward) mse_forward = &ref::mse_forward;
    decltype(&ref::mse_backward) mse_backward = &ref::mse_backward;
    decltype(&ref::bce_forward) bce_forward = &ref::bce_forward;
    decltype(&ref::bce_backward) bce_backward = &ref::bce_backward;
    decltype(&ref::bce_logits_forward) bce_logits_forward = &ref::bce_logits_forward;
    decltype(&ref::bce_logits_backward) bce_logits_backward = &ref::bce_logits_backward;
    decltype(&ref::column_sum) column_sum = &ref::column_sum;
    decltype(&ref::row_sum) row_sum = &ref::row_sum;
    decltype(&ref::batchnorm_forward_train) batchnorm_forward_train = &ref::batchnorm_forward_train;
    decltype(&ref::batchnorm_forward_eval) batchnorm_forward_eval = &ref::batchnorm_forward_eval;
    decltype(&ref::batchnorm_update_running) batchnorm_update_running = &ref::batchnorm_update_running;
    decltype(&ref::batchnorm_backward) batchnorm_backward = &ref::batchnorm_backward;
    decltype(&ref::multiply) multiply = &ref::multiply;
    decltype(&ref::fill) fill = &ref::fill;
    decltype(&ref::uniform_fill) uniform_fill = &ref::uniform_fill;
    decltype(&ref::normal_fill) normal_fill = &ref::normal_fill;
    decltype(&ref::dropout_forward) dropout_forward = &ref::dropout_forward;
    decltype(&ref::sgd_update) sgd_update = &ref::sgd_update;
    decltype(&ref::adam_update) adam_update = &ref::adam_update;
    // The same kernels writing their output with non-temporal stores (null for ref: the dispatcher then
    // takes the ordinary slot): for outputs of at least stream_min_floats at 64-byte aligned addresses.
    decltype(&ref::activation_forward) activation_forward_nt = nullptr;
    decltype(&ref::activation_backward) activation_backward_nt = nullptr;
    decltype(&ref::multiply) multiply_nt = nullptr;
    decltype(&ref::fill) fill_nt = nullptr;
    decltype(&ref::mse_backward) mse_backward_nt = nullptr;
    decltype(&ref::bce_backward) bce_backward_nt = nullptr;
    decltype(&ref::bce_logits_backward) bce_logits_backward_nt = nullptr;
    // dst[i] = fn(src[i]) with this ISA's vector math (null for ref); only tests call it.
    void (*math)(MathFn fn, float* dst, const float* src, int64_t n) = nullptr;
    // dst[i] = sqrt(src[i]) / b as this ISA's Adam computes it (null for ref); only tests call it.
    void (*sqrt_over)(float* dst, const float* src, int64_t n, float b) = nullptr;
};

extern const VectorIsa vector_ref;  // every slot the scalar reference
extern const VectorIsa vector_sse2;
extern const VectorIsa vector_avx2;
extern const VectorIsa vector_avx512;

// The table of an instruction set (vector_ref for Isa::Reference).
const VectorIsa& vector_isa(Isa isa);

// Elementwise outputs (the *_nt slots above: ReLU and identity forward, the activation backwards, multiply,
// fill, the MSE and BCE backwards) of at least this many floats, 64-byte aligned, are written with
// non-temporal stores (kernels/dispatch.cpp).
// Tests lower it to run that path on small arrays; set it only while no kernel runs.
extern int64_t stream_min_floats;

}  // namespace nnfs::kernels::detail
