#include "nnfs/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

#include "nnfs/error.hpp"
#include "zeroed_vector.hpp"

namespace nnfs {

std::vector<int32_t> argmax(const Tensor& scores) {
    if (scores.dim() != 2 || scores.size(1) < 1) fail("argmax: scores ", scores.shape(), ", expected [batch, classes]");
    const int64_t rows = scores.size(0), cols = scores.size(1);
    std::vector<int32_t> out(static_cast<size_t>(rows));
    for (int64_t i = 0; i < rows; ++i) {
        const float* row = scores.data() + i * cols;
        // NaN counts as the largest value (the first NaN wins), as torch.argmax, so a NaN score shows up.
        int64_t best = 0;
        for (int64_t j = 0; j < cols && !std::isnan(row[best]); ++j) {
            if (std::isnan(row[j]) || row[j] > row[best]) best = j;
        }
        out[static_cast<size_t>(i)] = static_cast<int32_t>(best);
    }
    return out;
}

namespace {
template <class T>
void check_pair(const char* what, std::span<const T> predicted, std::span<const T> truth) {
    if (predicted.size() != truth.size()) fail(what, ": ", predicted.size(), " predictions for ", truth.size(), " labels");
    if (truth.empty()) fail(what, ": no samples");
}
}  // namespace

double accuracy(std::span<const int32_t> predicted, std::span<const int32_t> truth) {
    check_pair<int32_t>("accuracy", predicted, truth);
    int64_t right = 0;
    for (size_t i = 0; i < truth.size(); ++i) right += predicted[i] == truth[i];
    return static_cast<double>(right) / static_cast<double>(truth.size());
}

ConfusionMatrix confusion_matrix(std::span<const int32_t> predicted, std::span<const int32_t> truth, int32_t num_classes) {
    check_pair<int32_t>("confusion_matrix", predicted, truth);
    if (num_classes < 1) fail("confusion_matrix: ", num_classes, " classes");
    const auto k = static_cast<size_t>(num_classes);
    ConfusionMatrix m{num_classes, detail::zeroed_vector<int64_t>("confusion_matrix", int64_t{num_classes} * num_classes)};
    for (size_t i = 0; i < truth.size(); ++i) {
        const int32_t t = truth[i], p = predicted[i];
        if (t < 0 || t >= num_classes || p < 0 || p >= num_classes) {
            fail("confusion_matrix: sample ", i, " has truth ", t, " and prediction ", p, ", expected classes in [0, ", num_classes, ")");
        }
        ++m.counts[static_cast<size_t>(t) * k + static_cast<size_t>(p)];
    }
    return m;
}

namespace {
void check_counts(const char* what, const ConfusionMatrix& m) {
    const auto k = static_cast<size_t>(m.num_classes < 0 ? 0 : m.num_classes);
    if (m.num_classes < 0 || m.counts.size() != k * k) {
        fail(what, ": ", m.counts.size(), " counts for ", m.num_classes, " classes, expected ", k * k);
    }
}
}  // namespace

int64_t ConfusionMatrix::at(int32_t truth, int32_t predicted) const {
    check_counts("ConfusionMatrix::at", *this);
    if (truth < 0 || truth >= num_classes || predicted < 0 || predicted >= num_classes) {
        fail("ConfusionMatrix::at(", truth, ", ", predicted, "): classes are in [0, ", num_classes, ")");
    }
    return counts[static_cast<size_t>(truth) * static_cast<size_t>(num_classes) + static_cast<size_t>(predicted)];
}

std::string ConfusionMatrix::str(const std::vector<std::string>& class_names) const {
    check_counts("ConfusionMatrix::str", *this);
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

ClassificationReport classification_report(const ConfusionMatrix& cm) {
    check_counts("classification_report", cm);
    const int32_t k = cm.num_classes;
    ClassificationReport r;
    r.classes.resize(static_cast<size_t>(k));
    int64_t right = 0;
    for (int32_t c = 0; c < k; ++c) {
        int64_t predicted = 0, actual = 0;
        for (int32_t o = 0; o < k; ++o) {
            predicted += cm.at(o, c);
            actual += cm.at(c, o);
        }
        const auto tp = static_cast<double>(cm.at(c, c));
        ClassScores& s = r.classes[static_cast<size_t>(c)];
        s.support = actual;
        s.predicted = predicted;
        s.precision = predicted ? tp / static_cast<double>(predicted) : 0.0;
        s.recall = actual ? tp / static_cast<double>(actual) : 0.0;
        s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
        right += cm.at(c, c);
        r.total += actual;
    }
    const auto labels = static_cast<double>(std::count_if(r.classes.begin(), r.classes.end(), [](const ClassScores& s) { return s.occurs(); }));
    for (const ClassScores& s : r.classes) {
        const double w = r.total ? static_cast<double>(s.support) / static_cast<double>(r.total) : 0.0;
        if (s.occurs()) {
            r.macro.precision += s.precision / labels;
            r.macro.recall += s.recall / labels;
            r.macro.f1 += s.f1 / labels;
        }
        r.weighted.precision += s.precision * w;
        r.weighted.recall += s.recall * w;
        r.weighted.f1 += s.f1 * w;
    }
    r.macro.support = r.weighted.support = r.total;
    r.macro.predicted = r.weighted.predicted = r.total;
    r.accuracy = r.total ? static_cast<double>(right) / static_cast<double>(r.total) : 0.0;
    return r;
}

std::string ClassificationReport::str(const std::vector<std::string>& class_names) const {
    size_t width = 12;
    for (const auto& n : class_names) width = std::max(width, n.size());
    const int w = static_cast<int>(width);
    std::ostringstream os;
    os << std::fixed << std::setprecision(4);
    os << std::setw(w) << "" << std::setw(11) << "precision" << std::setw(10) << "recall" << std::setw(10) << "f1-score"
       << std::setw(10) << "support" << "\n\n";
    auto row = [&](const std::string& name, const ClassScores& s) {
        os << std::setw(w) << name << std::setw(11) << s.precision << std::setw(10) << s.recall << std::setw(10) << s.f1
           << std::setw(10) << s.support << '\n';
    };
    for (size_t c = 0; c < classes.size(); ++c) {
        if (classes[c].occurs()) row(c < class_names.size() ? class_names[c] : std::to_string(c), classes[c]);
    }
    os << '\n' << std::setw(w) << "accuracy" << std::setw(31) << accuracy << std::setw(10) << total << '\n';
    row("macro avg", macro);
    row("weighted avg", weighted);
    return os.str();
}

double mean_squared_error(std::span<const float> predicted, std::span<const float> truth) {
    check_pair<float>("mean_squared_error", predicted, truth);
    double s = 0;
    for (size_t i = 0; i < truth.size(); ++i) s += (double{predicted[i]} - truth[i]) * (double{predicted[i]} - truth[i]);
    return s / static_cast<double>(truth.size());
}

double mean_absolute_error(std::span<const float> predicted, std::span<const float> truth) {
    check_pair<float>("mean_absolute_error", predicted, truth);
    double s = 0;
    for (size_t i = 0; i < truth.size(); ++i) s += std::abs(double{predicted[i]} - truth[i]);
    return s / static_cast<double>(truth.size());
}

double r2_score(std::span<const float> predicted, std::span<const float> truth) {
    check_pair<float>("r2_score", predicted, truth);
    if (truth.size() < 2) return std::numeric_limits<double>::quiet_NaN();  // not defined for one sample
    double mean = 0;
    for (float t : truth) mean += t;
    mean /= static_cast<double>(truth.size());
    double ss_res = 0, ss_tot = 0;
    for (size_t i = 0; i < truth.size(); ++i) {
        ss_res += (double{truth[i]} - predicted[i]) * (double{truth[i]} - predicted[i]);
        ss_tot += (double{truth[i]} - mean) * (double{truth[i]} - mean);
    }
    if (ss_tot == 0 && !std::isnan(ss_res)) return ss_res == 0 ? 1.0 : 0.0;
    return 1.0 - ss_res / ss_tot;
}

}  // namespace nnfs
