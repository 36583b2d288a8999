// Classification metrics.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nnfs/tensor.hpp"

namespace nnfs {

// The index of the largest value of each row of a (batch, classes) tensor (the first one on ties).
std::vector<int32_t> argmax(const Tensor& scores);

// Fraction of positions where predicted == truth; nnfs::Error if the lengths differ or are 0.
double accuracy(std::span<const int32_t> predicted, std::span<const int32_t> truth);

// counts[t][p]: samples of true class t predicted as p (rows: truth, columns: prediction, as scikit-learn).
struct ConfusionMatrix {
    int32_t num_classes = 0;
    std::vector<int64_t> counts;  // num_classes x num_classes, row-major
    int64_t at(int32_t truth, int32_t predicted) const { return counts[static_cast<size_t>(truth * num_classes + predicted)]; }
    // A printable table with the given class names (or indices when empty).
    std::string str(const std::vector<std::string>& class_names = {}) const;
};
ConfusionMatrix confusion_matrix(std::span<const int32_t> predicted, std::span<const int32_t> truth, int32_t num_classes);

}  // namespace nnfs
