// Dropout(p), inverted: in training each element is zeroed with probability p and survivors are
// scaled by 1 / (1 - p) (p == 1 zeroes everything); evaluation is the identity. Masks come from the
// library's generator, so they are reproducible under nnfs::manual_seed.
#pragma once

#include "nnfs/module.hpp"

namespace nnfs {

class Dropout : public Module {
public:
    explicit Dropout(float p = 0.5f);

    const Tensor& forward(const Tensor& input) override;
    const Tensor& backward(const Tensor& grad_output) override;
    std::string name() const override;
    float p() const { return p_; }

private:
    float p_;
    Tensor output_, grad_input_;
    Tensor mask_;  // 0 or 1 / (1 - p) per element, from the last training forward
    bool has_forward_ = false;
    bool used_mask_ = false;
};

}  // namespace nnfs
