// BatchNorm1d over (batch, features): y = gamma (x - mean) / sqrt(var + eps) + beta.
// Training: batch mean and biased variance (a batch of 1 is an error, as in PyTorch; an empty batch gives an
// empty output and leaves the running statistics alone); running statistics
// updated as running = (1 - momentum) running + momentum stat, with the unbiased variance.
// Evaluation: the running statistics.
#pragma once

#include "nnfs/module.hpp"

namespace nnfs {

class BatchNorm1d : public Module {
public:
    explicit BatchNorm1d(int64_t features, float eps = 1e-5f, float momentum = 0.1f);

    const Tensor& forward(const Tensor& input) override;
    const Tensor& backward(const Tensor& grad_output) override;
    std::vector<Parameter*> parameters() override { return {&weight_, &bias_}; }
    std::vector<Buffer*> buffers() override { return {&running_mean_, &running_var_}; }
    std::string name() const override;

    Parameter& weight() { return weight_; }  // gamma, ones
    const Parameter& weight() const { return weight_; }
    Parameter& bias() { return bias_; }  // beta, zeros
    const Parameter& bias() const { return bias_; }
    Tensor& running_mean() { return running_mean_.value; }  // zeros
    const Tensor& running_mean() const { return running_mean_.value; }
    Tensor& running_var() { return running_var_.value; }  // ones
    const Tensor& running_var() const { return running_var_.value; }
    int64_t num_features() const { return features_; }
    float eps() const { return eps_; }
    float momentum() const { return momentum_; }

private:
    int64_t features_;
    float eps_, momentum_;
    Parameter weight_, bias_;
    Buffer running_mean_, running_var_;
    Tensor output_, grad_input_;
    Tensor xhat_;                  // (x - mean) invstd, kept for the backward
    Tensor mean_, var_, invstd_;   // (features)
    bool has_forward_ = false;
    bool used_batch_statistics_ = true;
};

}  // namespace nnfs
