// Linear: y = x W^T + b. x is (batch, in), W is (out, in), b is (out), y is (batch, out).
#pragma once

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
    std::vector<Parameter*> parameters() override { return {&weight_, &bias_}; }
    std::string name() const override;
    Shape output_shape(const Shape& input) const override;
    // 2 batch in out multiply-adds forward; twice that backward (dx and dW).
    double forward_flops(const Shape& input) const override;
    double backward_flops(const Shape& input) const override { return 2.0 * forward_flops(input); }

    Parameter& weight() { return weight_; }
    const Parameter& weight() const { return weight_; }
    Parameter& bias() { return bias_; }
    const Parameter& bias() const { return bias_; }
    int64_t in_features() const { return in_; }
    int64_t out_features() const { return out_; }

private:
    int64_t in_, out_;
    Parameter weight_, bias_;
    Tensor input_;      // copy of the last input (dW = dy^T x)
    Tensor output_;     // (batch, out)
    Tensor grad_input_; // (batch, in)
    bool has_forward_ = false;
};

}  // namespace nnfs
