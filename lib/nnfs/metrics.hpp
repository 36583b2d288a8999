// Classification metrics.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nnfs/tensor.hpp"

namespace nnfs {

// The index of the largest value of each row of a (batch, classes) tensor (the first one on ties; a NaN
// counts as largest, as torch.argmax).
std::vector<int32_t> argmax(const Tensor& scores);

// Fraction of positions where predicted == truth; nnfs::Error if the lengths differ or are 0.
double accuracy(std::span<const int32_t> predicted, std::span<const int32_t> truth);

// counts[t][p]: samples of true class t predicted as p (rows: truth, columns: prediction, as scikit-learn).
struct ConfusionMatrix {
    int32_t num_classes = 0;
    std::vector<int64_t> counts;  // num_classes x num_classes, row-major
    // checked: nnfs::Error for a class outside [0, num_classes) or counts not num_classes^2 long
    int64_t at(int32_t truth, int32_t predicted) const;
    // A printable table with the given class names (or indices when empty).
    std::string str(const std::vector<std::string>& class_names = {}) const;
};
ConfusionMatrix confusion_matrix(std::span<const int32_t> predicted, std::span<const int32_t> truth, int32_t num_classes);

// Per-class precision, recall, F1 and support, with macro and support-weighted averages, as
// scikit-learn's classification_report (a class never predicted has precision 0, never present recall 0).
// As its default labels (those in the truth or the predictions), a class found in neither is left out of
// the macro average and of str()'s rows: labels {0, 2, 5} in 6 classes average over 3, not 6.
struct ClassScores {
    double precision = 0, recall = 0, f1 = 0;
    int64_t support = 0;    // samples of this class
    int64_t predicted = 0;  // samples predicted as this class
    bool occurs() const { return support > 0 || predicted > 0; }  // in the truth or the predictions
};
struct ClassificationReport {
    std::vector<ClassScores> classes;
    ClassScores macro, weighted;
    double accuracy = 0;
    int64_t total = 0;
    // Laid out like scikit-learn's classification_report.
    std::string str(const std::vector<std::string>& class_names = {}) const;
};
ClassificationReport classification_report(const ConfusionMatrix& cm);

// Regression metrics over equal-length spans: mean squared error, mean absolute error and the
// coefficient of determination R^2 = 1 - SS_res / SS_tot (1 when SS_tot = 0 and the fit is exact, else 0;
// NaN for 1 sample or a NaN in the data: as scikit-learn's r2_score, which warns or raises there). No samples,
// or spans of unequal lengths: nnfs::Error, for all three.
double mean_squared_error(std::span<const float> predicted, std::span<const float> truth);
double mean_absolute_error(std::span<const float> predicted, std::span<const float> truth);
double r2_score(std::span<const float> predicted, std::span<const float> truth);

}  // namespace nnfs
