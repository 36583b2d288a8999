// nnfs-train's options: parsed and range-checked in one place, so training code can trust them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nnfs_tools {

struct TrainOptions {
    bool help = false;
    std::string data;                 // bundled name or CSV path
    std::string label_column;         // empty: the last column
    std::vector<int64_t> hidden = {64};
    std::string activation = "relu";  // relu | tanh | sigmoid
    bool batchnorm = false;
    double dropout = 0.0;             // [0, 1)
    std::string loss = "cross_entropy";  // cross_entropy | mse (on one-hot targets)
    std::string optimizer = "adam";   // sgd | momentum | nesterov | adam | adamw
    std::optional<double> lr;         // default: 0.01 for the SGD family, 1e-3 for Adam(W)
    std::optional<double> weight_decay;  // default: the optimizer's (0; AdamW 0.01)
    int64_t epochs = 50;
    int64_t batch_size = 32;
    uint64_t seed = 42;
    int64_t threads = 0;              // 0: the library's default
    double val_split = 0.2;           // (0, 1), stratified
    std::string save;                 // model file path, empty: not saved
    bool profile = false;
    std::string out = "nnfs-out";
    std::vector<std::string> class_names;  // empty: bundled names or indices
};

// UsageError (tool_main.hpp) for unknown options, missing values, bad numbers, out-of-range values.
TrainOptions parse_train_options(int argc, const char* const* argv);

extern const char* const kTrainUsage;

}  // namespace nnfs_tools
