#include "nnfs/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <string>
#include <vector>

#include "nnfs/kernels.hpp"
#include "zeroed_vector.hpp"

namespace nnfs {

namespace {

// a b, or an nnfs::Error naming the generator when the count overflows int64_t.
int64_t count(const char* what, int64_t a, int64_t b) {
    int64_t n = 0;
    if (__builtin_mul_overflow(a, b, &n)) fail(what, ": ", a, " x ", b, " values overflow int64");
    return n;
}

// Draws from independent Philox streams of one seed (stream k starts at block k << 40).
class Draws {
public:
    Draws(const char* what, uint64_t seed) : what_(what), seed_(seed) {}
    std::vector<float> normal(int64_t n, float mean = 0.0f, float std = 1.0f) {
        std::vector<float> v = detail::zeroed_vector<float>(what_, n);
        kernels::normal_fill(v.data(), n, mean, std, seed_, next_stream());
        return v;
    }
    std::vector<float> uniform(int64_t n, float lo, float hi) {
        std::vector<float> v = detail::zeroed_vector<float>(what_, n);
        kernels::uniform_fill(v.data(), n, lo, hi, seed_, next_stream());
        return v;
    }

private:
    uint64_t next_stream() { return (stream_++) << 40; }
    const char* what_;
    uint64_t seed_;
    uint64_t stream_ = 0;
};

Dataset make_dataset(int64_t samples, int64_t features, std::vector<float> values, std::vector<int32_t> labels) {
    Dataset d;
    d.features = Tensor::from({samples, features}, values);
    d.labels = std::move(labels);
    for (int64_t j = 0; j < features; ++j) {
        std::string name = "x";  // (operator+ on a literal trips GCC 12's -Wrestrict false positive)
        name += std::to_string(j);
        d.feature_names.push_back(std::move(name));
    }
    return d;
}

// Reorders the samples by a seeded permutation so classes are not in blocks.
Dataset shuffled(const Dataset& d, Draws& draws) {
    const std::vector<float> keys = draws.uniform(d.size(), 0.0f, 1.0f);
    std::vector<int64_t> order(static_cast<size_t>(d.size()));
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return keys[static_cast<size_t>(a)] < keys[static_cast<size_t>(b)]; });
    return d.subset(order);
}

void check_samples(const char* what, int64_t samples, int64_t minimum) {
    if (samples < minimum) fail(what, ": ", samples, " samples, need at least ", minimum);
}

}  // namespace

Dataset make_moons(int64_t samples, float noise, uint64_t seed) {
    check_samples("make_moons", samples, 2);
    if (!(noise >= 0.0f)) fail("make_moons: noise ", noise, ", expected >= 0");
    constexpr const char* what = "make_moons";
    Draws draws(what, seed);
    const int64_t outer = samples / 2, inner = samples - outer, values = count(what, samples, 2);
    const std::vector<float> jitter = draws.normal(values, 0.0f, noise);
    std::vector<float> x = detail::zeroed_vector<float>(what, values);
    std::vector<int32_t> y = detail::zeroed_vector<int32_t>(what, samples);
    for (int64_t i = 0; i < samples; ++i) {
        const bool is_outer = i < outer;
        const int64_t k = is_outer ? i : i - outer, count = is_outer ? outer : inner;
        const double t = count > 1 ? std::numbers::pi * static_cast<double>(k) / static_cast<double>(count - 1) : 0.0;
        const double px = is_outer ? std::cos(t) : 1.0 - std::cos(t);
        const double py = is_outer ? std::sin(t) : 0.5 - std::sin(t);
        x[static_cast<size_t>(2 * i)] = static_cast<float>(px) + jitter[static_cast<size_t>(2 * i)];
        x[static_cast<size_t>(2 * i + 1)] = static_cast<float>(py) + jitter[static_cast<size_t>(2 * i + 1)];
        y[static_cast<size_t>(i)] = is_outer ? 0 : 1;
    }
    return shuffled(make_dataset(samples, 2, std::move(x), std::move(y)), draws);
}

Dataset make_blobs(int64_t samples, int32_t centers, int64_t features, float cluster_std, uint64_t seed) {
    check_samples("make_blobs", samples, 1);
    if (centers < 1 || features < 1 || !(cluster_std >= 0.0f)) {
        fail("make_blobs: centers ", centers, ", features ", features, ", cluster_std ", cluster_std);
    }
    constexpr const char* what = "make_blobs";
    Draws draws(what, seed);
    const std::vector<float> c = draws.uniform(count(what, centers, features), -10.0f, 10.0f);
    std::vector<float> x = draws.normal(count(what, samples, features), 0.0f, cluster_std);
    std::vector<int32_t> y = detail::zeroed_vector<int32_t>(what, samples);
    for (int64_t i = 0; i < samples; ++i) {
        const auto k = static_cast<int32_t>(i % centers);  // clusters as equal as the count allows
        y[static_cast<size_t>(i)] = k;
        for (int64_t j = 0; j < features; ++j) x[static_cast<size_t>(i * features + j)] += c[static_cast<size_t>(k * features + j)];
    }
    return shuffled(make_dataset(samples, features, std::move(x), std::move(y)), draws);
}

Dataset make_classification(int64_t samples, int64_t features, int64_t informative, int32_t classes, uint64_t seed) {
    check_samples("make_classification", samples, 1);
    if (informative < 1 || informative > features || informative > 30 || classes < 2 || classes > (int64_t{1} << informative)) {
        fail("make_classification: features ", features, ", informative ", informative, ", classes ", classes,
             " (need 1 <= informative <= min(features, 30) and 2 <= classes <= 2^informative)");
    }
    constexpr const char* what = "make_classification";
    Draws draws(what, seed);
    // Class k sits on hypercube vertex k (its bits select +1 or -1 per informative axis), covariance A_k A_k^T.
    const std::vector<float> maps = draws.uniform(count(what, classes, informative * informative), -1.0f, 1.0f);
    const std::vector<float> z = draws.normal(count(what, samples, informative));
    std::vector<float> x = draws.normal(count(what, samples, features));  // the non-informative columns stay noise
    std::vector<int32_t> y = detail::zeroed_vector<int32_t>(what, samples);
    for (int64_t i = 0; i < samples; ++i) {
        const auto k = static_cast<int32_t>(i % classes);
        y[static_cast<size_t>(i)] = k;
        const float* a = maps.data() + static_cast<int64_t>(k) * informative * informative;
        for (int64_t r = 0; r < informative; ++r) {
            double v = ((k >> r) & 1) ? 1.0 : -1.0;
            for (int64_t c = 0; c < informative; ++c) v += double{a[r * informative + c]} * z[static_cast<size_t>(i * informative + c)];
            x[static_cast<size_t>(i * features + r)] = static_cast<float>(v);
        }
    }
    return shuffled(make_dataset(samples, features, std::move(x), std::move(y)), draws);
}

}  // namespace nnfs
