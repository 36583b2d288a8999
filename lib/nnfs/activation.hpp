// Elementwise activations, any shape: ReLU y = x < 0 ? 0 : x (gradient 0 at exactly 0; NaN and -0 pass, as PyTorch),
// Sigmoid y = 1 / (1 + exp(-x)), Tanh y = tanh(x). backward uses the kept output y.
#pragma once

#include "nnfs/kernels.hpp"
#include "nnfs/module.hpp"

namespace nnfs {

class ElementwiseActivation : public Module {
public:
    const Tensor& forward(const Tensor& input) override;
    const Tensor& backward(const Tensor& grad_output) override;
    std::string name() const override;
    kernels::Activation kind() const { return kind_; }
    // For Linear::forward_fused: the output buffer, sized, to be written by the fused GEMM; counts as a
    // forward (backward is then allowed, and forward_count() advances).
    Tensor& fused_output(const Shape& shape);
    // The last output (what fused_output returned).
    const Tensor& output() const { return output_; }
    // For Linear::backward_fused: backward over a (rows, cols) output that also adds the column sums of
    // the input gradient into col_sum (cols floats: the bias gradient of the Linear before), in one pass.
    const Tensor& backward_column_sum(const Tensor& grad_output, float* col_sum);
    // The checks of backward (a forward ran, grad_output has the output's shape): nnfs::Error otherwise.
    void check_backward(const Tensor& grad_output) const;

protected:
    explicit ElementwiseActivation(kernels::Activation kind) : kind_(kind) {}

private:
    kernels::Activation kind_;
    Tensor output_, grad_input_;
    bool has_forward_ = false;
};

class ReLU : public ElementwiseActivation {
public:
    ReLU() : ElementwiseActivation(kernels::Activation::ReLU) {}
};

class Sigmoid : public ElementwiseActivation {
public:
    Sigmoid() : ElementwiseActivation(kernels::Activation::Sigmoid) {}
};

class Tanh : public ElementwiseActivation {
public:
    Tanh() : ElementwiseActivation(kernels::Activation::Tanh) {}
};

}  // namespace nnfs
