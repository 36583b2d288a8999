// libnnfs: neural networks from scratch on hand-tuned SIMD kernels. The umbrella header.
#pragma once

#include "nnfs/activation.hpp"
#include "nnfs/adam.hpp"
#include "nnfs/batchnorm.hpp"
#include "nnfs/dropout.hpp"
#include "nnfs/error.hpp"
#include "nnfs/kernels.hpp"
#include "nnfs/linear.hpp"
#include "nnfs/losses.hpp"
#include "nnfs/module.hpp"
#include "nnfs/optimizer.hpp"
#include "nnfs/runtime.hpp"
#include "nnfs/sequential.hpp"
#include "nnfs/sgd.hpp"
#include "nnfs/shape.hpp"
#include "nnfs/softmax.hpp"
#include "nnfs/tensor.hpp"
