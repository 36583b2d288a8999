// Linear: y = x W^T + b. x is (batch, in), W is (out, in), b is (out), y is (batch, out).
#pragma once

#include "nnfs/activation.hpp"
#include "nnfs/module.hpp"

namespace nnfs {

// Weight initialisations (bias is always zero). fan_in = in, fan_out = out:
//   XavierUniform U(-a, a), a = sqrt(6 / (fan_in + fan_out))   XavierNormal N(0, 2 / (fan_in + fan_out))
//   HeUniform     U(-a, a), a = sqrt(6 / fan_in)               HeNormal     N(0, 2 / fan_in)
// (He = PyTorch's kaiming_*_ with nonlinearity "relu", mode "fan_in".)
enum class Init { XavierUniform, XavierNormal, HeUniform, HeNormal };

class Linear : public Module {
public:
    Linear(int64_t in_features, int64_t out_features, Init init = Init::XavierUniform);

    const Tensor& forward(const Tensor& input) override;
    const Tensor& backward(const Tensor& grad_output) override;
    // forward fused with the activation that follows (Sequential uses it): y = act(x W^T + b) is written
    // straight into `activation`'s output, which then holds y for its backward as if its own forward had
    // run: one pass over memory instead of two. With `input_is_stable` the input is kept by pointer
    // instead of copied (it must stay unchanged until backward: an earlier layer's output in a Sequential).
    const Tensor& forward_fused(const Tensor& input, ElementwiseActivation* activation, bool input_is_stable);
    // backward through `activation` (the one fused in forward) and then this layer: the activation's
    // gradient and the bias gradient (its column sums) in one pass, then the two products.
    const Tensor& backward_fused(const Tensor& grad_output, ElementwiseActivation* activation);
    std::vector<Parameter*> parameters() override { return {&weight_, &bias_}; }
    std::string name() const override;
    Shape output_shape(const Shape& input) const override;
    // 2 batch in out FLOPs (batch in out multiply-adds) forward.
    double forward_flops(const Shape& input) const override;
    // dW (and dx unless the input gradient is off): one or two products the size of the forward's.
    double backward_flops(const Shape& input) const override {
        return (requires_input_grad() ? 2.0 : 1.0) * forward_flops(input);
    }

    Parameter& weight() { return weight_; }
    const Parameter& weight() const { return weight_; }
    Parameter& bias() { return bias_; }
    const Parameter& bias() const { return bias_; }
    int64_t in_features() const { return in_; }
    int64_t out_features() const { return out_; }

private:
    int64_t in_, out_;
    Parameter weight_, bias_;
    Tensor input_copy_;             // copy of the last input, when it was not stable
    const Tensor* input_ = nullptr; // the last input (dW = dy^T x)
    Tensor output_;                 // (batch, out), when not fused
    Tensor grad_input_; // (batch, in)
    bool has_forward_ = false;
};

}  // namespace nnfs
