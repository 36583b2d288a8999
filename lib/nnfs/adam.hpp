// Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019), exactly PyTorch's rules. At step t:
//   Adam:  g = grad + weight_decay p          AdamW: p = p (1 - lr weight_decay), g = grad
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
//   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// t counts the steps that updated this parameter, one count per parameter as in PyTorch (a parameter
// with no gradient is skipped and its count stays: optimizer.hpp).
#pragma once

#include "nnfs/optimizer.hpp"

namespace nnfs {

struct AdamOptions {
    float lr = 1e-3f;
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float eps = 1e-8f;
    float weight_decay = 0.0f;
};

// AdamW's options: Adam's, with PyTorch's default decoupled weight decay of 0.01.
struct AdamWOptions {
    float lr = 1e-3f;
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float eps = 1e-8f;
    float weight_decay = 0.01f;
};

// The shared state and update of Adam and AdamW.
class AdamFamily : public Optimizer {
public:
    void step() override;
    float lr() const override { return options_.lr; }
    void set_lr(float lr) override;
    StateRefs state_refs() override;
    const AdamOptions& options() const { return options_; }
    // Steps taken by parameter i (the one it was constructed with at that position): PyTorch's
    // per-parameter state['step'].
    int64_t step_count(size_t i) const { return steps_.at(i); }
    std::vector<Tensor>& exp_avg() { return m_; }
    std::vector<Tensor>& exp_avg_sq() { return v_; }

protected:
    AdamFamily(std::vector<Parameter*> params, const AdamOptions& options, bool decoupled, const char* name);

private:
    AdamOptions options_;
    bool decoupled_;
    std::vector<int64_t> steps_;  // per parameter
    std::vector<Tensor> m_, v_;
};

class Adam : public AdamFamily {
public:
    explicit Adam(std::vector<Parameter*> params, AdamOptions options = {});
};

class AdamW : public AdamFamily {
public:
    explicit AdamW(std::vector<Parameter*> params, AdamWOptions options = {});
};

}  // namespace nnfs
