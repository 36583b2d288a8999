#include "nnfs/dropout.hpp"

#include <sstream>

#include "nnfs/kernels.hpp"
#include "nnfs/runtime.hpp"

namespace nnfs {

namespace {
float checked_p(float p) {
    if (!(p >= 0.0f && p <= 1.0f)) fail("Dropout(p = ", p, "): p must be in [0, 1]");
    return p;
}
}  // namespace

Dropout::Dropout(float p) : p_(checked_p(p)) {}

std::string Dropout::name() const {
    std::ostringstream os;
    os << "Dropout(p = " << p_ << ")";
    return os.str();
}

const Tensor& Dropout::forward(const Tensor& input) {
    ++forward_count_;
    used_mask_ = training_ && p_ > 0.0f;
    if (used_mask_) {
        output_.resize(input.shape());
        mask_.resize(input.shape());
        const auto stream = detail::reserve_random(input.numel());
        kernels::dropout_forward(output_.data(), mask_.data(), input.data(), input.numel(), p_, stream.seed,
                                 stream.offset);
    } else {
        output_ = input;  // copy assignment reuses output_'s buffer
    }
    has_forward_ = true;
    return output_;
}

const Tensor& Dropout::backward(const Tensor& grad_output) {
    detail::check_backward_ready(*this, has_forward_);
    detail::check_grad_shape(*this, grad_output, output_.shape());
    if (input_grad_skipped(grad_input_)) return grad_input_;
    if (used_mask_) {
        grad_input_.resize(output_.shape());
        kernels::multiply(grad_input_.data(), grad_output.data(), mask_.data(), mask_.numel());
    } else {
        grad_input_ = grad_output;
    }
    return grad_input_;
}

}  // namespace nnfs
