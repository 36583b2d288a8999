#include "nnfs/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

namespace nnfs {

int32_t Dataset::num_classes() const {
    return labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;
}

void Dataset::check(const char* operation) const {
    const bool empty = size() == 0 && features.numel() == 0;  // a default Dataset{}
    if (!empty && (features.dim() != 2 || features.size(0) != size())) {
        fail(operation, ": features ", features.shape(), " for ", size(), " labels, expected [", size(), ", *]");
    }
    const auto bad = std::find_if(labels.begin(), labels.end(), [](int32_t l) { return l < 0; });
    if (bad != labels.end()) fail(operation, ": label ", bad - labels.begin(), " is ", *bad, ", expected a class index >= 0");
}

Dataset Dataset::subset(std::span<const int64_t> rows) const {
    check("Dataset::subset");
    Dataset out;
    out.feature_names = feature_names;
    const int64_t nf = num_features();
    out.features = Tensor({static_cast<int64_t>(rows.size()), nf});
    out.labels.reserve(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        const int64_t r = rows[i];
        if (r < 0 || r >= size()) fail("Dataset::subset: row ", r, " of a data set of ", size(), " samples");
        std::memcpy(out.features.data() + static_cast<int64_t>(i) * nf, features.data() + r * nf,
                    static_cast<size_t>(nf) * sizeof(float));
        out.labels.push_back(labels[static_cast<size_t>(r)]);
    }
    return out;
}

TrainTestSplit train_test_split(const Dataset& data, double test_fraction, uint64_t seed, bool stratify) {
    if (!(test_fraction > 0.0 && test_fraction < 1.0)) {
        fail("train_test_split: test_fraction ", test_fraction, ", expected in (0, 1)");
    }
    data.check("train_test_split");
    std::mt19937_64 rng(seed);
    std::vector<int64_t> train, test;
    // Shuffles `rows` and sends round(test_fraction * size) of them to the test part.
    auto split_group = [&](std::vector<int64_t> rows) {
        std::shuffle(rows.begin(), rows.end(), rng);
        const auto n_test = static_cast<size_t>(std::llround(test_fraction * static_cast<double>(rows.size())));
        test.insert(test.end(), rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(n_test));
        train.insert(train.end(), rows.begin() + static_cast<std::ptrdiff_t>(n_test), rows.end());
    };
    if (stratify) {
        std::vector<std::vector<int64_t>> by_class(static_cast<size_t>(data.num_classes()));
        for (int64_t i = 0; i < data.size(); ++i) by_class[static_cast<size_t>(data.labels[static_cast<size_t>(i)])].push_back(i);
        for (auto& rows : by_class) split_group(std::move(rows));
        // Mix the classes so neither part is ordered by class.
        std::shuffle(train.begin(), train.end(), rng);
        std::shuffle(test.begin(), test.end(), rng);
    } else {
        std::vector<int64_t> rows(static_cast<size_t>(data.size()));
        for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
        split_group(std::move(rows));
    }
    if (train.empty() || test.empty()) {
        fail("train_test_split: ", data.size(), " samples with test_fraction ", test_fraction, " leave a part empty");
    }
    return {data.subset(train), data.subset(test)};
}

}  // namespace nnfs
