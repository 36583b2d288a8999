// Optimizer: updates a list of parameters from their gradients. step() applies one update;
// zero_grad() clears the gradients (they accumulate across backward calls until then).
//
// As in PyTorch 1.13, step() skips a parameter that has no gradient (its grad would be None there):
// one that no backward has reached since it was made or since zero_grad(true), and whose grad nobody
// wrote (all zeros; a non-zero grad written by hand counts, and step() then marks it has_grad, so a
// hand-written gradient that is all zeros from the start is the one case treated as None). Weight decay,
// momentum and Adam's moments and step count then leave it exactly as it is; a step where no parameter
// has a gradient changes nothing. After the default
// zero_grad() a parameter keeps its (zero) gradient and weight decay and momentum still move it, as in
// PyTorch 1.13 (whose zero_grad defaults to set_to_none=False).
#pragma once

#include <initializer_list>
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
    // Zeroes every gradient; with set_to_none also marks the parameters as having none (see above).
    void zero_grad(bool set_to_none = false);
    const std::vector<Parameter*>& parameters() const { return params_; }
    virtual float lr() const = 0;
    virtual void set_lr(float lr) = 0;
    const char* name() const { return name_; }
    // The optimizer's state (moments, momentum buffers, step counts) keyed by parameter name, for checkpoints.
    virtual StateRefs state_refs() = 0;

protected:
    // nnfs::Error on an empty list (as PyTorch) or a null or repeated parameter.
    Optimizer(std::vector<Parameter*> params, const char* name);
    // nnfs::Error, before anything is updated, when a gradient's or a state tensor's shape no longer
    // matches its parameter's (a parameter resized after the optimizer was built), or a state no longer
    // holds one tensor per parameter (the accessors, exp_avg() say, hand out the vectors themselves).
    struct State {
        const char* name;
        const std::vector<Tensor>* tensors;
    };
    void check_gradients(std::initializer_list<State> state = {}) const;  // allocates nothing
    // Whether step() updates p: a backward reached it, or its grad was written by hand (non-zero).
    static bool has_gradient(const Parameter& p);
    // One zero-filled state tensor per parameter, of its shape.
    std::vector<Tensor> zeros_like_parameters() const;
    const char* name_;
    std::vector<Parameter*> params_;
};

namespace detail {
void check_lr(const char* optimizer, float lr);
}  // namespace detail

}  // namespace nnfs
