// Softmax over the last dimension. backward is the true Jacobian-vector product
// dx_i = y_i (dy_i - sum_k dy_k y_k) for any upstream gradient.
// (For classification, prefer CrossEntropyLoss on logits: it fuses log-softmax.)
#pragma once

#include "nnfs/module.hpp"

namespace nnfs {

class Softmax : public Module {
public:
    const Tensor& forward(const Tensor& input) override;
    const Tensor& backward(const Tensor& grad_output) override;
    std::string name() const override { return "Softmax"; }

private:
    Tensor output_, grad_input_;
    bool has_forward_ = false;
};

}  // namespace nnfs
