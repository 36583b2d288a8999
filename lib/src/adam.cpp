#include "nnfs/adam.hpp"

#include <algorithm>

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
    }
    refs.integers.emplace_back("step", &step_);
    return refs;
}

void AdamFamily::step() {
    check_gradients({{"exp_avg", &m_}, {"exp_avg_sq", &v_}});
    // The step count advances only when some parameter is updated. PyTorch keeps one count per
    // parameter; here all share one, which is the same whenever every parameter has a gradient at every
    // step (every layer of a model reached by backward). A parameter that first gets a gradient later
    // than the others uses the shared count in its bias correction.
    if (std::none_of(params_.begin(), params_.end(), [](const Parameter* p) { return has_gradient(*p); })) return;
    ++step_;
    for (size_t i = 0; i < params_.size(); ++i) {
        Parameter& p = *params_[i];
        if (!has_gradient(p)) continue;  // PyTorch: grad is None, the parameter and its moments stay
        p.has_grad = true;               // a grad written by hand now exists, as PyTorch's assigned p.grad
        kernels::adam_update(p.value.data(), m_[i].data(), v_[i].data(), p.grad.data(), p.value.numel(), options_.lr,
                             options_.beta1, options_.beta2, options_.eps, options_.weight_decay, decoupled_, step_);
    }
}

Adam::Adam(std::vector<Parameter*> params, AdamOptions options)
    : AdamFamily(std::move(params), options, false, "Adam") {}

AdamW::AdamW(std::vector<Parameter*> params, AdamWOptions o)
    : AdamFamily(std::move(params), {o.lr, o.beta1, o.beta2, o.eps, o.weight_decay}, true, "AdamW") {}

}  // namespace nnfs
