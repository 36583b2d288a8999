// Short names of the kernel activations, for test messages.
#pragma once

#include "nnfs/kernels.hpp"

namespace nnfs::test {

inline const char* act_name(nnfs::kernels::Activation a) {
    using nnfs::kernels::Activation;
    switch (a) {
        case Activation::ReLU: return "relu";
        case Activation::Sigmoid: return "sigmoid";
        case Activation::Tanh: return "tanh";
        case Activation::Identity: break;
    }
    return "identity";
}

}  // namespace nnfs::test
