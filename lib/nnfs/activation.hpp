// Elementwise activations, any shape: ReLU y = max(x, 0) (gradient 0 at exactly 0; NaN stays NaN and passes
// its gradient, as PyTorch),
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
    // For Linear::forward_fused: the output buffer, sized, to be written by the fused GEMM; counts as a forward.
    Tensor& fused_output(const Shape& shape);

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
