// Losses, mean reduction. float forward(prediction, target) computes the loss and remembers what the
// gradient needs; backward() returns dL/dprediction (a buffer the loss owns until its next call).
// An empty batch gives NaN (the mean over nothing, as PyTorch) and an empty gradient; a failed
// forward leaves nothing for backward.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nnfs/tensor.hpp"

namespace nnfs {

// A loss that is the mean over elements of f(prediction_i, target_i), target of the prediction's shape.
class ElementwiseLoss {
public:
    virtual ~ElementwiseLoss() = default;
    float forward(const Tensor& prediction, const Tensor& target);
    const Tensor& backward();
    const char* name() const { return name_; }

protected:
    using ForwardKernel = float (*)(const float* prediction, const float* target, int64_t n);
    using BackwardKernel = void (*)(float* diff, const float* prediction, const float* target, int64_t n, float scale);
    ElementwiseLoss(const char* name, ForwardKernel f, BackwardKernel b) : name_(name), forward_(f), backward_(b) {}
    // Checks the prediction's values (BCELoss: probabilities).
    virtual void check_values(const Tensor&) const {}

private:
    const char* name_;
    ForwardKernel forward_;
    BackwardKernel backward_;
    Tensor prediction_, target_, grad_;
    bool has_forward_ = false;
};

// mean (x - t)^2
class MSELoss : public ElementwiseLoss {
public:
    MSELoss();
};

// mean -(t log x + (1 - t) log(1 - x)) on probabilities x in [0, 1], logs clamped at -100 (as PyTorch).
class BCELoss : public ElementwiseLoss {
public:
    BCELoss();

protected:
    void check_values(const Tensor& prediction) const override;
};

// BCE on logits, stable for any logit: mean max(x, 0) - x t + log(1 + exp(-|x|)).
class BCEWithLogitsLoss : public ElementwiseLoss {
public:
    BCEWithLogitsLoss();
};

// Cross-entropy on logits (batch, classes) with log-softmax fused inside.
// Targets: class indices (one per row, each in [0, classes)) or a (batch, classes) tensor of probabilities.
class CrossEntropyLoss {
public:
    float forward(const Tensor& logits, std::span<const int32_t> target);
    float forward(const Tensor& logits, const Tensor& target_probabilities);
    const Tensor& backward();

private:
    void prepare(const Tensor& logits);
    Tensor prob_, grad_;         // softmax(logits), dL/dlogits
    std::vector<int32_t> index_; // class-index target
    Tensor target_prob_;         // probability target
    bool has_forward_ = false;
    bool index_target_ = true;
};

}  // namespace nnfs
