#include "nnfs/sequential.hpp"

#include <chrono>
#include <iomanip>
#include <sstream>

#include "nnfs/runtime.hpp"

namespace nnfs {

using Clock = std::chrono::steady_clock;

Module& Sequential::add(std::unique_ptr<Module> module) {
    if (!module) fail("Sequential::add: null module at position ", modules_.size());
    // Qualify the child's state names with its full position (this Sequential's own position within
    // its parents, then the child's index), as a PyTorch state_dict does.
    const std::string prefix = prefix_ + std::to_string(modules_.size()) + ".";
    for (Parameter* p : module->parameters()) p->name = prefix + p->name;
    for (Buffer* b : module->buffers()) b->name = prefix + b->name;
    // A nested Sequential qualifies what is added to it later with the same position.
    if (auto* nested = dynamic_cast<Sequential*>(module.get())) nested->prepend_prefix(prefix);
    // The module keeps its own mode (a new one trains), as in PyTorch, where appending to a container in
    // eval mode does not switch the newcomer: only the next train() / eval() reaches it.
    if (modules_.empty()) module->set_requires_input_grad(requires_input_grad_);
    modules_.push_back(std::move(module));
    Module& added = *modules_.back();
    plan_.push_back({dynamic_cast<Linear*>(&added), nullptr});
    if (plan_.size() >= 2 && plan_[plan_.size() - 2].linear) {
        auto* act = dynamic_cast<ElementwiseActivation*>(&added);
        if (act && act->kind() != kernels::Activation::Identity) plan_[plan_.size() - 2].activation = act;
    }
    return added;
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
    ++forward_count_;
    input_shapes_.resize(modules_.size());  // (allocates at the first forward only)
    const bool check = detect_anomaly();
    const Tensor* x = &input;
    size_t i = 0;
    try {
        if (check) detail::check_finite(input, "the input");
        for (; i < modules_.size(); ++i) {
            input_shapes_[i] = x->shape();
            if (!profiler_ && !check) {
                const Plan& p = plan_[i];
                if (p.linear) {
                    // Earlier layers' outputs stay unchanged until backward; the caller's input may not.
                    x = &p.linear->forward_fused(*x, p.activation, /*input_is_stable=*/i > 0);
                    if (p.activation) input_shapes_[++i] = x->shape();
                } else {
                    x = &modules_[i]->forward(*x);
                }
                continue;
            }
            const auto start = Clock::now();
            x = &modules_[i]->forward(*x);
            if (profiler_) {
                profiler_->record(i, *modules_[i], Profiler::Phase::Forward, x->shape(),
                                  modules_[i]->forward_flops(input_shapes_[i]), start, Clock::now());
            }
            if (check) detail::check_finite(*x, modules_[i]->name() + " output");
        }
    } catch (const Error& e) {
        failed_layer_ = static_cast<int64_t>(i);
        fail("Sequential layer ", i, " forward: ", e.what());
    }
    failed_layer_ = -1;
    child_forwards_.resize(modules_.size());
    for (size_t j = 0; j < modules_.size(); ++j) child_forwards_[j] = modules_[j]->forward_count();
    return *x;
}

const Tensor& Sequential::backward(const Tensor& grad_output) {
    if (modules_.empty()) {
        if (!input_grad_skipped(identity_grad_)) identity_grad_ = grad_output;
        return identity_grad_;
    }
    if (failed_layer_ >= 0) {
        fail("Sequential backward: the last forward failed at layer ", failed_layer_, " (", modules_[static_cast<size_t>(failed_layer_)]->name(),
             "); run a forward that succeeds first");
    }
    // Before any layer adds to a gradient: a child that ran a forward of its own since this one would
    // differentiate that call's input (or refuse the gradient's shape halfway, after the later layers
    // had added theirs). (No forward yet: each layer's own check says so.)
    if (child_forwards_.size() == modules_.size())
        for (size_t j = 0; j < modules_.size(); ++j)
            if (modules_[j]->forward_count() != child_forwards_[j])
                fail("Sequential backward: layer ", j, " (", modules_[j]->name(),
                     ") ran a forward of its own after this Sequential's forward, so its state is not that of the batch "
                     "being differentiated; run the Sequential's forward again");
    const bool check = detect_anomaly();
    const Tensor* g = &grad_output;
    if (check) {  // the caller's gradient, before any layer
        try {
            detail::check_finite(grad_output, "grad_output");
        } catch (const Error& e) {
            fail("Sequential backward: ", e.what(), " (the gradient passed in, before layer ", modules_.size() - 1, ")");
        }
    }
    size_t i = modules_.size();
    try {
        for (; i-- > 0;) {
            if (!profiler_ && !check) {
                const Plan* p = i > 0 ? &plan_[i - 1] : nullptr;
                if (p && p->linear && p->activation == modules_[i].get()) {  // Linear + activation, fused
                    g = &p->linear->backward_fused(*g, p->activation);
                    --i;
                } else {
                    g = &modules_[i]->backward(*g);
                }
                continue;
            }
            const auto start = Clock::now();
            const Shape out = g->shape();
            g = &modules_[i]->backward(*g);
            if (profiler_) {
                const double flops = i < input_shapes_.size() ? modules_[i]->backward_flops(input_shapes_[i]) : 0.0;
                profiler_->record(i, *modules_[i], Profiler::Phase::Backward, out, flops, start, Clock::now());
            }
            if (check) {
                detail::check_finite(*g, modules_[i]->name() + " input gradient");
                for (const Parameter* p : modules_[i]->parameters()) detail::check_finite(p->grad, modules_[i]->name() + " gradient of " + p->name);
            }
        }
    } catch (const Error& e) {
        fail("Sequential layer ", i, " backward: ", e.what());
    }
    return *g;
}

Shape Sequential::output_shape(const Shape& input) const {
    Shape s = input;
    for (const auto& m : modules_) s = m->output_shape(s);
    return s;
}

std::string Sequential::summary(const Shape& input) const {
    std::ostringstream os;
    // Columns of 4, 32 and 16 characters, each followed by at least one space however long its text (a
    // nested Sequential's name runs past 32), then the count right-aligned in 11.
    os << std::left << std::setw(3) << "#" << ' ' << std::setw(31) << "layer" << ' ' << std::setw(15) << "output shape" << ' '
       << std::right << std::setw(11) << "parameters" << '\n';
    os << std::string(64, '-') << '\n';
    Shape s = input;
    int64_t total = 0;
    for (size_t i = 0; i < modules_.size(); ++i) {
        s = modules_[i]->output_shape(s);
        const int64_t n = modules_[i]->parameter_count();
        total += n;
        os << std::left << std::setw(3) << i << ' ' << std::setw(31) << modules_[i]->name() << ' ' << std::setw(15) << s.str()
           << ' ' << std::right << std::setw(11) << n << '\n';
    }
    os << std::string(64, '-') << '\n';
    os << "input " << input << ", output " << s << ", " << total << " trainable parameters (" << std::fixed
       << std::setprecision(1) << static_cast<double>(total) * sizeof(float) / 1024.0 << " KiB)\n";
    return os.str();
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

void Sequential::set_requires_input_grad(bool on) {
    requires_input_grad_ = on;
    if (!modules_.empty()) modules_.front()->set_requires_input_grad(on);
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
