// ModelSpec: the architecture of an MLP classifier as a short string that a model file stores, so a
// program can rebuild the exact layer stack before loading the weights:
//   "mlp inputs=64 hidden=128,64 classes=10 activation=relu batchnorm=0 dropout=0"
// Layers per hidden width h: Linear(prev, h), [BatchNorm1d(h)], activation, [Dropout(p)]; then
// Linear(last, classes) producing logits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nnfs/sequential.hpp>

namespace nnfs_tools {

struct ModelSpec {
    int64_t inputs = 0;
    std::vector<int64_t> hidden;  // widths of the hidden layers; empty: a linear classifier
    int64_t classes = 0;
    std::string activation = "relu";  // relu | tanh | sigmoid
    bool batchnorm = false;
    double dropout = 0.0;  // in [0, 1)

    // nnfs::Error naming the bad field.
    void validate() const;
    std::string str() const;
    // Inverse of str(); nnfs::Error on anything malformed.
    static ModelSpec parse(const std::string& text);
    // How many floats the parameters and buffers of build_model's network hold (Linear weight and
    // bias; BatchNorm1d weight, bias, running mean and variance), saturating at INT64_MAX: a loader
    // compares it with a file before building, since the string alone may ask for terabytes.
    int64_t state_size() const;
};

// Appends the spec's layers to an empty Sequential (weights freshly initialised from the library's
// generator: He for ReLU, Xavier for tanh and sigmoid).
void build_model(const ModelSpec& spec, nnfs::Sequential& net);

}  // namespace nnfs_tools
