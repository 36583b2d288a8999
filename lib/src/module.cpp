#include "nnfs/module.hpp"

namespace nnfs {

void detail::zero_grads(const std::vector<Parameter*>& params, bool set_to_none) {
    for (Parameter* p : params) {
        p->grad.zero();
        if (set_to_none) p->has_grad = false;
    }
}

void Module::zero_grad(bool set_to_none) { detail::zero_grads(parameters(), set_to_none); }

int64_t Module::parameter_count() const {
    int64_t n = 0;
    // parameters() is a non-const accessor; counting does not modify anything.
    for (const Parameter* p : const_cast<Module*>(this)->parameters()) n += p->value.numel();
    return n;
}

void detail::check_backward_ready(const Module& m, bool ready) {
    if (!ready) fail(m.name(), ": backward called before forward");
}

void detail::check_grad_shape(const Module& m, const Tensor& grad_output, const Shape& expected) {
    if (grad_output.shape() != expected) {
        fail(m.name(), ": grad_output ", grad_output.shape(), ", expected ", expected, " (the last output's shape)");
    }
}

void detail::check_2d_input(const Module& m, const Tensor& input, int64_t features) {
    if (input.dim() != 2 || input.size(1) != features) {
        fail(m.name(), ": input ", input.shape(), ", expected [*, ", features, "]");
    }
}

void detail::check_state_shape(const Module& m, const char* name, const Tensor& t, const Shape& expected) {
    if (t.shape() != expected) fail(m.name(), ": ", name, " is ", t.shape(), ", expected ", expected);
}

void detail::check_state_shape(const Module& m, const char* name, const Parameter& p, const Shape& expected, bool grad) {
    check_state_shape(m, name, p.value, expected);
    if (grad && p.grad.shape() != expected) fail(m.name(), ": ", name, ".grad is ", p.grad.shape(), ", expected ", expected);
}

}  // namespace nnfs
