#include "nnfs/sequential.hpp"

namespace nnfs {

Module& Sequential::add(std::unique_ptr<Module> module) {
    if (!module) fail("Sequential::add: null module at position ", modules_.size());
    // Qualify the child's state names with its full position (this Sequential's own position within
    // its parents, then the child's index), as a PyTorch state_dict does.
    const std::string prefix = prefix_ + std::to_string(modules_.size()) + ".";
    for (Parameter* p : module->parameters()) p->name = prefix + p->name;
    for (Buffer* b : module->buffers()) b->name = prefix + b->name;
    // A nested Sequential qualifies what is added to it later with the same position.
    if (auto* nested = dynamic_cast<Sequential*>(module.get())) nested->prepend_prefix(prefix);
    module->train(training_);
    modules_.push_back(std::move(module));
    return *modules_.back();
}

void Sequential::prepend_prefix(const std::string& outer) {
    prefix_ = outer + prefix_;
    for (auto& m : modules_) {
        if (auto* nested = dynamic_cast<Sequential*>(m.get())) nested->prepend_prefix(outer);
    }
}

const Tensor& Sequential::forward(const Tensor& input) {
    if (modules_.empty()) {
        identity_output_ = input;
        return identity_output_;
    }
    const Tensor* x = &input;
    size_t i = 0;
    try {
        for (; i < modules_.size(); ++i) x = &modules_[i]->forward(*x);
    } catch (const Error& e) {
        fail("Sequential layer ", i, " forward: ", e.what());
    }
    return *x;
}

const Tensor& Sequential::backward(const Tensor& grad_output) {
    if (modules_.empty()) {
        identity_grad_ = grad_output;
        return identity_grad_;
    }
    const Tensor* g = &grad_output;
    size_t i = modules_.size();
    try {
        for (; i-- > 0;) g = &modules_[i]->backward(*g);
    } catch (const Error& e) {
        fail("Sequential layer ", i, " backward: ", e.what());
    }
    return *g;
}

std::vector<Parameter*> Sequential::parameters() {
    std::vector<Parameter*> all;
    for (auto& m : modules_) {
        auto ps = m->parameters();
        all.insert(all.end(), ps.begin(), ps.end());
    }
    return all;
}

std::vector<Buffer*> Sequential::buffers() {
    std::vector<Buffer*> all;
    for (auto& m : modules_) {
        auto bs = m->buffers();
        all.insert(all.end(), bs.begin(), bs.end());
    }
    return all;
}

void Sequential::train(bool on) {
    training_ = on;
    for (auto& m : modules_) m->train(on);
}

std::string Sequential::name() const {
    std::string s = "Sequential(";
    for (size_t i = 0; i < modules_.size(); ++i) s += (i ? ", " : "") + modules_[i]->name();
    return s + ")";
}

Module& Sequential::operator[](size_t i) {
    if (i >= modules_.size()) fail("Sequential: no module ", i, " (size ", modules_.size(), ")");
    return *modules_[i];
}

const Module& Sequential::operator[](size_t i) const {
    if (i >= modules_.size()) fail("Sequential: no module ", i, " (size ", modules_.size(), ")");
    return *modules_[i];
}

}  // namespace nnfs
