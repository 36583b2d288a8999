// Module: the interface of every layer. Inputs and outputs are (batch, features).
//
// forward(x) returns the output, a buffer the module owns until its next call; in training mode it
// keeps what backward needs. backward(grad_out) returns dL/dx (also an owned buffer) and ADDS
// dL/dparameter into each parameter's grad: gradients accumulate until zero_grad.
// A module is used by one thread at a time (forward writes its buffers even in eval mode); separate
// modules may be used by separate threads at once.
#pragma once

#include <string>
#include <vector>

#include "nnfs/tensor.hpp"

namespace nnfs {

// A trainable tensor: value and grad of equal shape, and a name ("weight"; "0.weight" inside a Sequential).
// Like torch.nn.Parameter it also reads as its value: linear.weight().shape(), Tensor w = linear.weight().
//
// grad always exists (zeros until a backward adds into it); has_grad says whether it stands for a
// gradient, i.e. what PyTorch 1.13 tells by `grad is not None`: false for a new parameter, set by every
// backward that accumulates into it, kept by zero_grad() (PyTorch 1.13's default set_to_none=False) and
// cleared by zero_grad(true). Optimizers skip a parameter with no gradient (see Optimizer::step).
struct Parameter {
    std::string name;
    Tensor value;
    Tensor grad;
    bool has_grad = false;

    Parameter(std::string n, Tensor v) : name(std::move(n)), value(std::move(v)), grad(value.shape()) {}

    operator Tensor&() { return value; }
    operator const Tensor&() const { return value; }
    const Shape& shape() const { return value.shape(); }
    int64_t dim() const { return value.dim(); }
    int64_t size(int64_t d) const { return value.size(d); }
    int64_t numel() const { return value.numel(); }
    float* data() { return value.data(); }
    const float* data() const { return value.data(); }
    float& t(int64_t i, int64_t j) { return value.t(i, j); }
    float t(int64_t i, int64_t j) const { return value.t(i, j); }
};

// State that is saved and loaded but not trained (BatchNorm's running statistics).
struct Buffer {
    std::string name;
    Tensor value;
};

class Module {
public:
    Module() = default;
    virtual ~Module() = default;
    // Modules own their buffers and are referenced by optimizers: neither copied nor moved.
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    virtual const Tensor& forward(const Tensor& input) = 0;
    virtual const Tensor& backward(const Tensor& grad_output) = 0;

    // Trainable parameters, in a stable order.
    virtual std::vector<Parameter*> parameters() { return {}; }
    // Non-trainable saved state, in a stable order.
    virtual std::vector<Buffer*> buffers() { return {}; }

    // Training mode (the default) or evaluation mode; Sequential passes it to every child.
    virtual void train(bool on = true) { training_ = on; }
    void eval() { train(false); }
    bool is_training() const { return training_; }

    // What the module is, for messages and summaries: "Linear(4 -> 16)".
    virtual std::string name() const = 0;

    // Zeroes the grad of every parameter; with set_to_none also marks them as having no gradient
    // (Parameter::has_grad), so an optimizer step leaves them alone, as PyTorch's zero_grad(set_to_none=True).
    void zero_grad(bool set_to_none = false);

    // Whether backward must compute dL/dinput (default true). A training loop that never uses the
    // gradient of its data can turn it off on the model: the first layer then skips that product
    // (for a Linear, one GEMM of three; for BatchNorm1d, its second pass; a module without parameters
    // computes nothing) and backward returns an empty tensor.
    virtual void set_requires_input_grad(bool on) { requires_input_grad_ = on; }
    bool requires_input_grad() const { return requires_input_grad_; }

    // Shape of the output for an input of shape `input` (the identity unless the module says otherwise).
    virtual Shape output_shape(const Shape& input) const { return input; }
    // Floating-point operations of one forward / backward call on `input`, 0 when not counted (profiler).
    virtual double forward_flops(const Shape& /*input*/) const { return 0.0; }
    virtual double backward_flops(const Shape& /*input*/) const { return 0.0; }
    // Number of trainable values.
    int64_t parameter_count() const;
    // Forwards run so far (the library's modules count theirs; a module that does not stays at 0). A
    // Sequential compares its children's counts in backward: a child run on its own in between (net[0].
    // forward(x)) holds that call's state, not the state of the batch being differentiated.
    uint64_t forward_count() const { return forward_count_; }

protected:
    // In a backward without parameters: with the input gradient off, empties `grad_input` and says
    // there is nothing else to compute.
    bool input_grad_skipped(Tensor& grad_input) const {
        if (requires_input_grad_) return false;
        grad_input.resize({0});
        return true;
    }

    bool training_ = true;
    bool requires_input_grad_ = true;
    uint64_t forward_count_ = 0;  // each forward adds 1 once its checks pass, before it changes any state
};

namespace detail {
// Validation helpers shared by modules: they throw nnfs::Error naming the module and the shapes.
void check_backward_ready(const Module& m, bool ready);
void check_grad_shape(const Module& m, const Tensor& grad_output, const Shape& expected);
void check_2d_input(const Module& m, const Tensor& input, int64_t features);
// A parameter's value (and with `grad` its grad) still has the shape the module was built with: they are
// public and assignable, and a tensor loaded by hand may not fit. The error names it by the module's own
// name for it (a Sequential prefixes Parameter::name): "Linear(3 -> 2): weight.grad is [0], expected [2, 3]".
void check_state_shape(const Module& m, const char* name, const Parameter& p, const Shape& expected, bool grad);
// The same for a buffer's value or any tensor the module keeps.
void check_state_shape(const Module& m, const char* name, const Tensor& t, const Shape& expected);
// Module::zero_grad and Optimizer::zero_grad: zeroes each grad; set_to_none also clears has_grad.
void zero_grads(const std::vector<Parameter*>& params, bool set_to_none);
}  // namespace detail

}  // namespace nnfs
