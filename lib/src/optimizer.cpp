#include "nnfs/optimizer.hpp"

#include <algorithm>
#include <cmath>

namespace nnfs {

Optimizer::Optimizer(std::vector<Parameter*> params, const char* name) : name_(name), params_(std::move(params)) {
    for (size_t i = 0; i < params_.size(); ++i) {
        if (!params_[i]) fail(name_, ": parameter ", i, " is null");
        if (std::find(params_.begin(), params_.begin() + static_cast<std::ptrdiff_t>(i), params_[i]) !=
            params_.begin() + static_cast<std::ptrdiff_t>(i)) {
            fail(name_, ": parameter ", i, " (", params_[i]->name, ") appears more than once");
        }
    }
}

void Optimizer::zero_grad() {
    for (Parameter* p : params_) p->grad.zero();
}

void Optimizer::check_gradients() const {
    for (const Parameter* p : params_) {
        if (p->grad.shape() != p->value.shape()) {
            fail(name_, ": gradient of ", p->name, " is ", p->grad.shape(), ", its value is ", p->value.shape());
        }
    }
}

std::vector<Tensor> Optimizer::zeros_like_parameters() const {
    std::vector<Tensor> state;
    state.reserve(params_.size());
    for (const Parameter* p : params_) state.emplace_back(p->value.shape());
    return state;
}

void detail::check_lr(const char* optimizer, float lr) {
    if (!(lr >= 0.0f) || !std::isfinite(lr)) fail(optimizer, ": learning rate ", lr, ", expected a finite value >= 0");
}

}  // namespace nnfs
