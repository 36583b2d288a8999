#include "nnfs/metrics.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "nnfs/error.hpp"

namespace nnfs {

std::vector<int32_t> argmax(const Tensor& scores) {
    if (scores.dim() != 2 || scores.size(1) < 1) fail("argmax: scores ", scores.shape(), ", expected [batch, classes]");
    const int64_t rows = scores.size(0), cols = scores.size(1);
    std::vector<int32_t> out(static_cast<size_t>(rows));
    for (int64_t i = 0; i < rows; ++i) {
        const float* row = scores.data() + i * cols;
        out[static_cast<size_t>(i)] = static_cast<int32_t>(std::max_element(row, row + cols) - row);
    }
    return out;
}

namespace {
void check_pair(const char* what, std::span<const int32_t> predicted, std::span<const int32_t> truth) {
    if (predicted.size() != truth.size()) fail(what, ": ", predicted.size(), " predictions for ", truth.size(), " labels");
    if (truth.empty()) fail(what, ": no samples");
}
}  // namespace

double accuracy(std::span<const int32_t> predicted, std::span<const int32_t> truth) {
    check_pair("accuracy", predicted, truth);
    int64_t right = 0;
    for (size_t i = 0; i < truth.size(); ++i) right += predicted[i] == truth[i];
    return static_cast<double>(right) / static_cast<double>(truth.size());
}

ConfusionMatrix confusion_matrix(std::span<const int32_t> predicted, std::span<const int32_t> truth, int32_t num_classes) {
    check_pair("confusion_matrix", predicted, truth);
    if (num_classes < 1) fail("confusion_matrix: ", num_classes, " classes");
    ConfusionMatrix m{num_classes, std::vector<int64_t>(static_cast<size_t>(num_classes) * static_cast<size_t>(num_classes), 0)};
    for (size_t i = 0; i < truth.size(); ++i) {
        const int32_t t = truth[i], p = predicted[i];
        if (t < 0 || t >= num_classes || p < 0 || p >= num_classes) {
            fail("confusion_matrix: sample ", i, " has truth ", t, " and prediction ", p, ", expected classes in [0, ", num_classes, ")");
        }
        ++m.counts[static_cast<size_t>(t * num_classes + p)];
    }
    return m;
}

std::string ConfusionMatrix::str(const std::vector<std::string>& class_names) const {
    auto name = [&](int32_t c) { return c < static_cast<int32_t>(class_names.size()) ? class_names[static_cast<size_t>(c)] : std::to_string(c); };
    size_t width = 6;
    for (int32_t c = 0; c < num_classes; ++c) width = std::max(width, name(c).size() + 1);
    std::ostringstream os;
    os << std::setw(static_cast<int>(width)) << "true\\pred";
    for (int32_t p = 0; p < num_classes; ++p) os << ' ' << std::setw(static_cast<int>(width)) << name(p);
    os << '\n';
    for (int32_t t = 0; t < num_classes; ++t) {
        os << std::setw(static_cast<int>(width)) << name(t);
        for (int32_t p = 0; p < num_classes; ++p) os << ' ' << std::setw(static_cast<int>(width)) << at(t, p);
        os << '\n';
    }
    return os.str();
}

}  // namespace nnfs
