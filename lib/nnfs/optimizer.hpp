// Optimizer: updates a list of parameters from their gradients. step() applies one update;
// zero_grad() clears the gradients (they accumulate across backward calls until then).
#pragma once

#include <vector>

#include "nnfs/module.hpp"
#include "nnfs/state_dict.hpp"

namespace nnfs {

class Optimizer {
public:
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    virtual void step() = 0;
    void zero_grad();
    const std::vector<Parameter*>& parameters() const { return params_; }
    virtual float lr() const = 0;
    virtual void set_lr(float lr) = 0;
    const char* name() const { return name_; }
    // The optimizer's state (moments, momentum buffers, step count) keyed by parameter name, for checkpoints.
    virtual StateRefs state_refs() = 0;

protected:
    // nnfs::Error on a null or repeated parameter.
    Optimizer(std::vector<Parameter*> params, const char* name);
    // nnfs::Error when a gradient's shape no longer matches its parameter's.
    void check_gradients() const;
    // One zero-filled state tensor per parameter, of its shape.
    std::vector<Tensor> zeros_like_parameters() const;
    const char* name_;
    std::vector<Parameter*> params_;
};

namespace detail {
void check_lr(const char* optimizer, float lr);
}  // namespace detail

}  // namespace nnfs
