// Sequential: owns modules and runs them in order (backward in reverse order).
// A Linear directly followed by ReLU, Sigmoid or Tanh runs as one pass (the activation applied in the
// GEMM's epilogue) unless a profiler or anomaly detection observes the layers one by one.
// Its parameters() and buffers() are its children's, in order, named "<index>.<name>" as in a
// PyTorch state_dict ("0.weight", "2.running_mean"); train()/eval() reach every child.
#pragma once

#include <memory>
#include <utility>

#include "nnfs/linear.hpp"
#include "nnfs/module.hpp"
#include "nnfs/profiler.hpp"

namespace nnfs {

class Sequential : public Module {
public:
    Sequential() = default;

    // Appends a module and returns it: net.add(std::make_unique<Linear>(4, 16)). The module keeps its
    // mode (PyTorch's rule): added to a Sequential in eval mode, a new module still trains until the next
    // train() or eval().
    Module& add(std::unique_ptr<Module> module);
    // Constructs a module in place and returns it: net.emplace<Linear>(4, 16).
    template <class M, class... Args>
    M& emplace(Args&&... args) {
        return static_cast<M&>(add(std::make_unique<M>(std::forward<Args>(args)...)));
    }

    // An empty Sequential is the identity (as torch.nn.Sequential()). After a forward that failed (an
    // nnfs::Error from some layer), backward is an error until a forward succeeds.
    const Tensor& forward(const Tensor& input) override;
    const Tensor& backward(const Tensor& grad_output) override;
    std::vector<Parameter*> parameters() override;
    std::vector<Buffer*> buffers() override;
    void train(bool on = true) override;
    // Reaches the first layer only: the others' input gradients are the layers' before them.
    void set_requires_input_grad(bool on) override;
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
    // Called when this Sequential joins a parent at `outer` ("1." or, deeper, "2.1."): prefixes it and its
    // nested Sequentials, so modules added to them later are named from the root ("2.1.0.weight").
    void prepend_prefix(const std::string& outer);

    std::string prefix_;  // this Sequential's position in its parents, "" at the root
    // How forward runs layer i: a Linear followed by an elementwise activation runs as one fused pass.
    struct Plan {
        Linear* linear = nullptr;                      // modules_[i] when it is a Linear
        ElementwiseActivation* activation = nullptr;   // modules_[i + 1] when it is fused into it
    };
    std::vector<std::unique_ptr<Module>> modules_;
    std::vector<Plan> plan_;
    Profiler* profiler_ = nullptr;
    std::vector<Shape> input_shapes_;  // per layer in the last forward, for the profiler's backward FLOP counts
    std::vector<uint64_t> child_forwards_;  // each child's forward_count() after the last forward that succeeded
    Tensor identity_output_, identity_grad_;  // used only when empty
    // The layer where the last forward stopped with an error, or -1: the layers before it hold the failed
    // call's state and the others an earlier call's, so backward must not mix them.
    int64_t failed_layer_ = -1;
};

}  // namespace nnfs
