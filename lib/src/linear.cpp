#include "nnfs/linear.hpp"

#include <cmath>

#include "nnfs/kernels.hpp"
#include "nnfs/runtime.hpp"

namespace nnfs {

using kernels::Trans;

namespace {
Tensor initial_weight(int64_t in, int64_t out, Init init) {
    Tensor w({out, in});
    const double fan_in = static_cast<double>(in), fan_sum = static_cast<double>(in + out);
    const auto stream = detail::reserve_random(w.numel());
    switch (init) {
        case Init::XavierUniform: {
            const auto a = static_cast<float>(std::sqrt(6.0 / fan_sum));
            kernels::uniform_fill(w.data(), w.numel(), -a, a, stream.seed, stream.offset);
            break;
        }
        case Init::HeUniform: {
            const auto a = static_cast<float>(std::sqrt(6.0 / fan_in));
            kernels::uniform_fill(w.data(), w.numel(), -a, a, stream.seed, stream.offset);
            break;
        }
        case Init::XavierNormal:
            kernels::normal_fill(w.data(), w.numel(), 0.0f, static_cast<float>(std::sqrt(2.0 / fan_sum)),
                                 stream.seed, stream.offset);
            break;
        case Init::HeNormal:
            kernels::normal_fill(w.data(), w.numel(), 0.0f, static_cast<float>(std::sqrt(2.0 / fan_in)),
                                 stream.seed, stream.offset);
            break;
    }
    return w;
}

int64_t checked_features(int64_t in, int64_t out) {
    if (in < 1 || out < 1) fail("Linear(", in, " -> ", out, "): feature counts must be at least 1");
    return in;
}
}  // namespace

Linear::Linear(int64_t in_features, int64_t out_features, Init init)
    : in_(checked_features(in_features, out_features)),
      out_(out_features),
      weight_("weight", initial_weight(in_features, out_features, init)),
      bias_("bias", Tensor({out_features})) {}

std::string Linear::name() const { return "Linear(" + std::to_string(in_) + " -> " + std::to_string(out_) + ")"; }

Shape Linear::output_shape(const Shape& input) const {
    if (input.dim() != 2 || input[1] != in_) fail(name(), ": input ", input, ", expected [*, ", in_, "]");
    return {input[0], out_};
}

double Linear::forward_flops(const Shape& input) const {
    return input.dim() == 2 ? 2.0 * static_cast<double>(input[0]) * static_cast<double>(in_ * out_) : 0.0;
}

const Tensor& Linear::forward(const Tensor& input) { return forward_fused(input, nullptr, false); }

const Tensor& Linear::forward_fused(const Tensor& input, ElementwiseActivation* activation, bool input_is_stable) {
    detail::check_2d_input(*this, input, in_);
    detail::check_state_shape(*this, "weight", weight_, Shape{out_, in_}, false);
    detail::check_state_shape(*this, "bias", bias_, Shape{out_}, false);
    ++forward_count_;
    const int64_t batch = input.size(0);
    // `input` may be the buffer this forward writes (layer.forward(layer.forward(x))): then it is kept
    // first and multiplied from the copy. Otherwise the product reads `input` itself and the copy comes
    // after it, so that the other threads do not fetch a buffer this thread has just written, line by
    // line from its cache (c's batch-1 inference on two threads: 5.6 -> 5.0 us).
    const bool aliased = &input == &output_ || (activation && &input == &activation->output());
    if (aliased) input_copy_ = input;
    const Tensor& x = aliased ? input_copy_ : input;
    Tensor& y = activation ? activation->fused_output({batch, out_}) : output_;
    y.resize({batch, out_});
    const kernels::Activation act = activation ? activation->kind() : kernels::Activation::Identity;
    kernels::sgemm_fused(Trans::No, Trans::Yes, batch, out_, in_, 1.0f, x.data(), in_, weight_.value.data(), in_, 0.0f,
                         y.data(), out_, {.bias = bias_.value.data(), .act = act});
    if (!input_is_stable && !aliased) input_copy_ = input;
    input_ = input_is_stable && !aliased ? &input : &input_copy_;
    has_forward_ = true;
    return y;
}

const Tensor& Linear::backward(const Tensor& grad_output) { return backward_fused(grad_output, nullptr); }

const Tensor& Linear::backward_fused(const Tensor& grad_output, ElementwiseActivation* activation) {
    if (activation) activation->check_backward(grad_output);  // its backward comes first
    detail::check_backward_ready(*this, has_forward_);
    detail::check_state_shape(*this, "weight", weight_, Shape{out_, in_}, true);
    detail::check_state_shape(*this, "bias", bias_, Shape{out_}, true);
    const int64_t batch = input_->size(0);
    const float* dy = nullptr;
    if (activation) {  // dy = act'(.) grad_output and db += column sums of dy, one pass
        detail::check_grad_shape(*activation, grad_output, Shape{batch, out_});
        dy = activation->backward_column_sum(grad_output, bias_.grad.data()).data();
    } else {
        detail::check_grad_shape(*this, grad_output, Shape{batch, out_});
        dy = grad_output.data();
        kernels::column_sum(bias_.grad.data(), dy, batch, out_, true);  // db += column sums of dy
    }
    if (requires_input_grad_) {
        // dx = dy W: (batch, out) x (out, in)
        grad_input_.resize({batch, in_});
        kernels::sgemm(Trans::No, Trans::No, batch, in_, out_, 1.0f, dy, out_, weight_.value.data(), in_, 0.0f,
                       grad_input_.data(), in_);
    } else {
        grad_input_.resize({0});
    }
    // dW += dy^T x: (out, batch) x (batch, in)
    kernels::sgemm(Trans::Yes, Trans::No, out_, in_, batch, 1.0f, dy, out_, input_->data(), in_, 1.0f,
                   weight_.grad.data(), in_);
    weight_.has_grad = bias_.has_grad = true;
    return grad_input_;
}

}  // namespace nnfs
