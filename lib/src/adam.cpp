#include "nnfs/adam.hpp"

#include "nnfs/kernels.hpp"

namespace nnfs {

AdamFamily::AdamFamily(std::vector<Parameter*> params, const AdamOptions& options, bool decoupled, const char* name)
    : Optimizer(std::move(params), name), options_(options), decoupled_(decoupled) {
    detail::check_lr(name_, options.lr);
    if (!(options.beta1 >= 0.0f && options.beta1 < 1.0f)) fail(name_, ": beta1 ", options.beta1, ", expected in [0, 1)");
    if (!(options.beta2 >= 0.0f && options.beta2 < 1.0f)) fail(name_, ": beta2 ", options.beta2, ", expected in [0, 1)");
    if (!(options.eps >= 0.0f)) fail(name_, ": eps ", options.eps, ", expected >= 0");
    if (!(options.weight_decay >= 0.0f)) fail(name_, ": weight_decay ", options.weight_decay, ", expected >= 0");
    m_ = zeros_like_parameters();
    v_ = zeros_like_parameters();
    steps_.assign(params_.size(), 0);
}

void AdamFamily::set_lr(float lr) {
    detail::check_lr(name_, lr);
    options_.lr = lr;
}

StateRefs AdamFamily::state_refs() {
    StateRefs refs;
    for (size_t i = 0; i < params_.size(); ++i) {
        refs.tensors.emplace_back("exp_avg." + params_[i]->name, &m_[i]);
        refs.tensors.emplace_back("exp_avg_sq." + params_[i]->name, &v_[i]);
        refs.integers.emplace_back("step." + params_[i]->name, &steps_[i]);
    }
    return refs;
}

void AdamFamily::step() {
    check_gradients({{"exp_avg", &m_}, {"exp_avg_sq", &v_}});
    // Each parameter counts its own steps, as PyTorch's state['step']: the bias corrections of a
    // parameter that first gets a gradient after others (a layer frozen, then unfrozen; a branch a
    // backward did not reach) start from its own first step.
    for (size_t i = 0; i < params_.size(); ++i) {
        Parameter& p = *params_[i];
        if (!has_gradient(p)) continue;  // PyTorch: grad is None, the parameter, its moments and count stay
        p.has_grad = true;               // a grad written by hand now exists, as PyTorch's assigned p.grad
        ++steps_[i];
        kernels::adam_update(p.value.data(), m_[i].data(), v_[i].data(), p.grad.data(), p.value.numel(), options_.lr,
                             options_.beta1, options_.beta2, options_.eps, options_.weight_decay, decoupled_, steps_[i]);
    }
}

Adam::Adam(std::vector<Parameter*> params, AdamOptions options)
    : AdamFamily(std::move(params), options, false, "Adam") {}

AdamW::AdamW(std::vector<Parameter*> params, AdamWOptions o)
    : AdamFamily(std::move(params), {o.lr, o.beta1, o.beta2, o.eps, o.weight_decay}, true, "AdamW") {}

}  // namespace nnfs
