// SGD, with optional momentum, Nesterov momentum and (coupled) weight decay. Exactly PyTorch's rule:
//   g = grad + weight_decay p
//   momentum != 0: v = momentum v + g;  g = nesterov ? g + momentum v : v
//   p -= lr g
#pragma once

#include "nnfs/optimizer.hpp"

namespace nnfs {

struct SGDOptions {
    float lr = 0.01f;
    float momentum = 0.0f;
    bool nesterov = false;
    float weight_decay = 0.0f;
};

class SGD : public Optimizer {
public:
    explicit SGD(std::vector<Parameter*> params, SGDOptions options = {});
    void step() override;
    const SGDOptions& options() const { return options_; }
    float lr() const override { return options_.lr; }
    void set_lr(float lr) override;
    StateRefs state_refs() override;
    // Momentum buffers, one per parameter (empty when momentum == 0).
    std::vector<Tensor>& velocity() { return velocity_; }

private:
    SGDOptions options_;
    std::vector<Tensor> velocity_;
};

}  // namespace nnfs
