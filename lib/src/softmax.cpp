#include "nnfs/softmax.hpp"

#include "nnfs/kernels.hpp"

namespace nnfs {

namespace {
// A tensor as rows x cols with cols its last dimension.
struct Rows {
    int64_t rows, cols;
};
Rows as_rows(const Tensor& t) {
    const int64_t cols = t.size(-1);
    return {cols ? t.numel() / cols : 0, cols};
}
}  // namespace

const Tensor& Softmax::forward(const Tensor& input) {
    if (input.dim() < 1) fail("Softmax: input ", input.shape(), " has no last dimension");
    const Rows r = as_rows(input);
    ++forward_count_;
    output_.resize(input.shape());
    kernels::softmax_forward(output_.data(), input.data(), r.rows, r.cols);
    has_forward_ = true;
    return output_;
}

const Tensor& Softmax::backward(const Tensor& grad_output) {
    detail::check_backward_ready(*this, has_forward_);
    detail::check_grad_shape(*this, grad_output, output_.shape());
    if (input_grad_skipped(grad_input_)) return grad_input_;
    const Rows r = as_rows(output_);
    grad_input_.resize(output_.shape());
    kernels::softmax_backward(grad_input_.data(), grad_output.data(), output_.data(), r.rows, r.cols);
    return grad_input_;
}

}  // namespace nnfs
