#include "nnfs/optimizer.hpp"

#include <algorithm>
#include <cmath>

namespace nnfs {

Optimizer::Optimizer(std::vector<Parameter*> params, const char* name) : name_(name), params_(std::move(params)) {
    // PyTorch's "optimizer got an empty parameter list": almost always a model built after the
    // optimizer, or parameters() of the wrong object.
    if (params_.empty()) fail(name_, ": empty parameter list");
    for (size_t i = 0; i < params_.size(); ++i) {
        if (!params_[i]) fail(name_, ": parameter ", i, " is null");
        if (std::find(params_.begin(), params_.begin() + static_cast<std::ptrdiff_t>(i), params_[i]) !=
            params_.begin() + static_cast<std::ptrdiff_t>(i)) {
            fail(name_, ": parameter ", i, " (", params_[i]->name, ") appears more than once");
        }
    }
}

void Optimizer::zero_grad(bool set_to_none) { detail::zero_grads(params_, set_to_none); }

void Optimizer::check_gradients(std::initializer_list<State> state) const {
    for (const State& s : state) {
        if (s.tensors->size() != params_.size()) {
            fail(name_, ": ", s.name, " holds ", s.tensors->size(), " tensors, expected one per parameter (", params_.size(), ")");
        }
    }
    for (size_t i = 0; i < params_.size(); ++i) {
        const Parameter& p = *params_[i];
        if (p.grad.shape() != p.value.shape()) {
            fail(name_, ": gradient of ", p.name, " is ", p.grad.shape(), ", its value is ", p.value.shape());
        }
        for (const State& s : state) {
            if ((*s.tensors)[i].shape() != p.value.shape()) {
                fail(name_, ": ", p.name, " is ", p.value.shape(), " but was ", (*s.tensors)[i].shape(),
                     " when the optimizer was built (make a new optimizer after resizing a parameter)");
            }
        }
    }
}

bool Optimizer::has_gradient(const Parameter& p) {
    if (p.has_grad) return true;
    const auto g = p.grad.span();
    return std::any_of(g.begin(), g.end(), [](float x) { return x != 0.0f; });
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
