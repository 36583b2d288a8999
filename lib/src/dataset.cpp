#include "nnfs/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

namespace nnfs {

int64_t Dataset::num_classes() const {
    return labels.empty() ? 0 : int64_t{*std::max_element(labels.begin(), labels.end())} + 1;
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
    const int64_t n = data.size();
    const auto n_test = static_cast<int64_t>(std::llround(test_fraction * static_cast<double>(n)));
    if (n_test == 0 || n_test == n) {
        fail("train_test_split: ", n, " samples with test_fraction ", test_fraction, " leave a part empty");
    }
    std::mt19937_64 rng(seed);
    std::vector<int64_t> rows(static_cast<size_t>(n)), train, test;
    for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(i)] = i;
    // Shuffles rows [begin, end) and sends the first `count` of them to the test part.
    auto split_group = [&](auto begin, auto end, int64_t count) {
        std::shuffle(begin, end, rng);
        test.insert(test.end(), begin, begin + count);
        train.insert(train.end(), begin + count, end);
    };
    if (!stratify) {
        split_group(rows.begin(), rows.end(), n_test);
        return {data.subset(train), data.subset(test)};
    }
    // Classes in label order (rows grouped by a stable sort: labels may be sparse and large). Class c
    // of n_c samples gives floor(f n_c) to the test part, and the n_test - sum floor(f n_c) left go one
    // each to the classes of the largest fractional parts f n_c - floor(f n_c) (the earlier class on a
    // tie), so the test part has round(f n) samples, as without stratification, and each class its
    // share to within one. As scikit-learn's, a class of one sample, or fewer samples in a part than
    // classes, cannot be stratified: an error.
    const auto label = [&](int64_t i) { return data.labels[static_cast<size_t>(i)]; };
    std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) { return label(a) < label(b); });
    struct Group {
        int64_t begin, size, count;
        double frac;
    };
    std::vector<Group> groups;
    for (int64_t i = 0; i < n;) {
        int64_t j = i;
        while (j < n && label(rows[static_cast<size_t>(j)]) == label(rows[static_cast<size_t>(i)])) ++j;
        if (j - i < 2) {
            fail("train_test_split: class ", label(rows[static_cast<size_t>(i)]),
                 " has 1 sample; stratifying needs at least 2 of each class (or stratify = false)");
        }
        const double share = test_fraction * static_cast<double>(j - i);
        groups.push_back({i, j - i, static_cast<int64_t>(std::floor(share)), share - std::floor(share)});
        i = j;
    }
    const auto classes = static_cast<int64_t>(groups.size());
    if (n_test < classes || n - n_test < classes) {
        fail("train_test_split: ", n, " samples with test_fraction ", test_fraction, " give ", n_test, " test and ",
             n - n_test, " training samples, fewer than the ", classes, " classes to stratify");
    }
    int64_t left = n_test;
    for (const Group& g : groups) left -= g.count;
    std::vector<size_t> order(groups.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return groups[a].frac > groups[b].frac; });
    for (size_t k = 0; k < order.size() && left > 0; ++k, --left) ++groups[order[k]].count;
    for (const Group& g : groups) {
        const auto begin = rows.begin() + static_cast<std::ptrdiff_t>(g.begin);
        split_group(begin, begin + static_cast<std::ptrdiff_t>(g.size), g.count);
    }
    // Mix the classes so neither part is ordered by class.
    std::shuffle(train.begin(), train.end(), rng);
    std::shuffle(test.begin(), test.end(), rng);
    return {data.subset(train), data.subset(test)};
}

}  // namespace nnfs
