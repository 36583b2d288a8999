// Sequential: owns modules and runs them in order (backward in reverse order).
// Its parameters() and buffers() are its children's, in order, named "<index>.<name>" as in a
// PyTorch state_dict ("0.weight", "2.running_mean"); train()/eval() reach every child.
#pragma once

#include <memory>
#include <utility>

#include "nnfs/module.hpp"

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

    size_t size() const { return modules_.size(); }
    bool empty() const { return modules_.empty(); }
    Module& operator[](size_t i);  // checked: nnfs::Error past the end
    const Module& operator[](size_t i) const;

private:
    // Called when this Sequential joins a parent at `outer` ("1." or, deeper, "2.1."): prefixes it and its
    // nested Sequentials, so modules added to them later are named from the root ("2.1.0.weight").
    void prepend_prefix(const std::string& outer);

    std::vector<std::unique_ptr<Module>> modules_;
    std::string prefix_;  // this Sequential's position in its parents, "" at the root
    Tensor identity_output_, identity_grad_;  // used only when empty
};

}  // namespace nnfs
