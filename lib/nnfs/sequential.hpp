// Sequential: owns modules and runs them in order (backward in reverse order).
// Its parameters() and buffers() are its children's, in order, named "<index>.<name>" as in a
// PyTorch state_dict ("0.weight", "2.running_mean"); train()/eval() reach every child.
#pragma once

#include <memory>
#include <utility>

#include "nnfs/module.hpp"
#include "nnfs/profiler.hpp"

namespace nnfs {

class Sequential : public Module {
public:
    Sequential() = default;

    // Appends a module and returns it: net.add(std::make_unique<Linear>(4, 16)).
    Module& add(std::unique_ptr<Module> module);
    // Constructs a module in place and returns it: net.emplace<Linear>(4, 16).
    template <class M, class... Args>
    M& emplace(Args&&... args) {
        return static_cast<M&>(add(std::make_unique<M>(std::forward<Args>(args)...)));
    }

    // An empty Sequential is the identity (as torch.nn.Sequential()).
    const Tensor& forward(const Tensor& input) override;
    const Tensor& backward(const Tensor& grad_output) override;
    std::vector<Parameter*> parameters() override;
    std::vector<Buffer*> buffers() override;
    void train(bool on = true) override;
    std::string name() const override;
    Shape output_shape(const Shape& input) const override;

    // Times every layer's forward and backward into `profiler` (nullptr: off, the default).
    void set_profiler(Profiler* profiler) { profiler_ = profiler; }
    // A table of the layers with their output shapes for an input of shape `input`, and parameter counts.
    std::string summary(const Shape& input) const;

    size_t size() const { return modules_.size(); }
    bool empty() const { return modules_.empty(); }
    Module& operator[](size_t i);  // checked: nnfs::Error past the end
    const Module& operator[](size_t i) const;

private:
    std::vector<std::unique_ptr<Module>> modules_;
    Profiler* profiler_ = nullptr;
    std::vector<Shape> input_shapes_;  // per layer, for the profiler's backward FLOP counts
    Tensor identity_output_, identity_grad_;  // used only when empty
};

}  // namespace nnfs
