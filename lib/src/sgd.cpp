#include "nnfs/sgd.hpp"

#include "nnfs/kernels.hpp"

namespace nnfs {

SGD::SGD(std::vector<Parameter*> params, SGDOptions options) : Optimizer(std::move(params), "SGD"), options_(options) {
    detail::check_lr(name_, options.lr);
    if (!(options.momentum >= 0.0f)) fail("SGD: momentum ", options.momentum, ", expected >= 0");
    if (!(options.weight_decay >= 0.0f)) fail("SGD: weight_decay ", options.weight_decay, ", expected >= 0");
    if (options.nesterov && options.momentum == 0.0f) fail("SGD: Nesterov momentum requires momentum > 0, got momentum ", options.momentum);
    if (options.momentum != 0.0f) velocity_ = zeros_like_parameters();
}

void SGD::set_lr(float lr) {
    detail::check_lr(name_, lr);
    options_.lr = lr;
}

StateRefs SGD::state_refs() {
    StateRefs refs;
    for (size_t i = 0; i < velocity_.size(); ++i) refs.tensors.emplace_back("velocity." + params_[i]->name, &velocity_[i]);
    return refs;
}

void SGD::step() {
    const bool momentum = options_.momentum != 0.0f;  // (the only case with a velocity)
    if (momentum) {
        check_gradients({{"velocity", &velocity_}});
    } else {
        check_gradients();
    }
    for (size_t i = 0; i < params_.size(); ++i) {
        Parameter& p = *params_[i];
        if (!has_gradient(p)) continue;  // PyTorch: grad is None, the parameter and its buffer stay
        p.has_grad = true;               // a grad written by hand now exists, as PyTorch's assigned p.grad
        float* v = momentum ? velocity_[i].data() : nullptr;
        kernels::sgd_update(p.value.data(), v, p.grad.data(), p.value.numel(), options_.lr, options_.momentum,
                            options_.weight_decay, options_.nesterov);
    }
}

}  // namespace nnfs
