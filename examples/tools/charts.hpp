// The charts nnfs-train writes, as self-contained SVG files.
#pragma once

#include <string>
#include <vector>

#include <nnfs/metrics.hpp>

#include "history.hpp"

namespace nnfs_tools {

// Two panels side by side: loss and accuracy per epoch, training and validation, with axes, ticks,
// grid lines and a legend showing the final values. `loss_name` labels the loss panel.
void write_curves_svg(const std::string& path, const std::vector<EpochRecord>& history, const std::string& loss_name);

// A heat map of the confusion matrix (rows: true class, columns: predicted), each cell showing its
// count, shaded by its share of the true class's samples (so rare classes are as visible as common
// ones); class_names label the axes (indices when empty).
void write_confusion_svg(const std::string& path, const nnfs::ConfusionMatrix& cm,
                         const std::vector<std::string>& class_names, const std::string& title);

// Confusion matrices of more classes are not drawn or printed (a cell a class pair: 2001 classes made a
// 754 MB chart); the reports say so instead.
constexpr int kConfusionMaxClasses = 50;
// cm.str(class_names), or a line saying it is left out for more than kConfusionMaxClasses classes.
std::string confusion_text(const nnfs::ConfusionMatrix& cm, const std::vector<std::string>& class_names);

// About `target` round tick values (steps 1, 2 or 5 times a power of ten) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

}  // namespace nnfs_tools
