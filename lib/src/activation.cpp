#include "nnfs/activation.hpp"

namespace nnfs {

std::string ElementwiseActivation::name() const {
    switch (kind_) {
        case kernels::Activation::ReLU: return "ReLU";
        case kernels::Activation::Sigmoid: return "Sigmoid";
        case kernels::Activation::Tanh: return "Tanh";
        case kernels::Activation::Identity: break;
    }
    return "Identity";
}

const Tensor& ElementwiseActivation::forward(const Tensor& input) {
    ++forward_count_;
    output_.resize(input.shape());
    kernels::activation_forward(kind_, output_.data(), input.data(), input.numel());
    has_forward_ = true;
    return output_;
}

Tensor& ElementwiseActivation::fused_output(const Shape& shape) {
    ++forward_count_;
    output_.resize(shape);
    has_forward_ = true;
    return output_;
}

void ElementwiseActivation::check_backward(const Tensor& grad_output) const {
    detail::check_backward_ready(*this, has_forward_);
    detail::check_grad_shape(*this, grad_output, output_.shape());
}

const Tensor& ElementwiseActivation::backward(const Tensor& grad_output) {
    check_backward(grad_output);
    if (input_grad_skipped(grad_input_)) return grad_input_;
    grad_input_.resize(output_.shape());
    kernels::activation_backward(kind_, grad_input_.data(), grad_output.data(), output_.data(), output_.numel());
    return grad_input_;
}

const Tensor& ElementwiseActivation::backward_column_sum(const Tensor& grad_output, float* col_sum) {
    check_backward(grad_output);
    if (output_.dim() != 2) fail(name(), ": column sums need a 2-D output, got ", output_.shape());
    grad_input_.resize(output_.shape());
    kernels::activation_backward_column_sum(kind_, grad_input_.data(), grad_output.data(), output_.data(),
                                            output_.size(0), output_.size(1), col_sum, true);
    return grad_input_;
}

}  // namespace nnfs
