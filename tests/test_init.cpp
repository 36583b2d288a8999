// Linear's initialisations: Xavier/He uniform bounds, normal standard deviations, shapes of the
// distributions (kurtosis), independence of neighbours, zero bias, reproducibility under manual_seed.
// Statistical bounds are 5 standard errors on a layer of 150,000 weights with fixed seeds: they
// cannot flake, and a wrong fan (in for out, or in + out for in) moves a statistic by hundreds of
// standard errors.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "nnfs/nnfs.hpp"

using nnfs::Init;
using nnfs::Linear;
using nnfs::Tensor;

namespace {

struct Moments {
    double n, mean, var, kurtosis, max_abs, lag1_corr;
};

Moments moments(const Tensor& w) {
    const auto v = w.span();
    const double n = static_cast<double>(v.size());
    double s = 0.0, max_abs = 0.0;
    for (float x : v) {
        s += x;
        max_abs = std::max(max_abs, std::abs(double{x}));
    }
    const double mean = s / n;
    double m2 = 0.0, m4 = 0.0, lag = 0.0;
    for (size_t i = 0; i < v.size(); ++i) {
        const double d = v[i] - mean;
        m2 += d * d;
        m4 += d * d * d * d;
        if (i + 1 < v.size()) lag += d * (v[i + 1] - mean);
    }
    m2 /= n;
    m4 /= n;
    return {n, mean, m2, m4 / (m2 * m2), max_abs, lag / n / m2};
}

// Population variance sigma^2 and kurtosis k: the standard error of the sample variance is
// sigma^2 sqrt((k - 1) / n); of the sample kurtosis about sqrt(k_se2 / n).
void check_distribution(const Moments& m, double sigma2, double kurtosis, double kurtosis_se2, const std::string& what) {
    CAPTURE(what);
    const double se_mean = std::sqrt(sigma2 / m.n);
    CHECK(std::abs(m.mean) <= 5.0 * se_mean);
    const double se_var = sigma2 * std::sqrt((kurtosis - 1.0) / m.n);
    CHECK(std::abs(m.var - sigma2) <= 5.0 * se_var);
    CHECK(std::abs(m.kurtosis - kurtosis) <= 5.0 * std::sqrt(kurtosis_se2 / m.n));
    CHECK(std::abs(m.lag1_corr) <= 5.0 / std::sqrt(m.n));  // neighbours independent
}

constexpr int64_t kIn = 300, kOut = 500;  // fan_in 300, fan_out 500: every fan gives a different scale

void check_zero_bias(const Linear& l) {
    for (float b : l.bias().value.span()) REQUIRE(b == 0.0f);
}

}  // namespace

TEST_CASE("XavierUniform (the default): U(-a, a), a = sqrt(6 / (fan_in + fan_out))") {
    nnfs::manual_seed(1);
    Linear l(kIn, kOut);
    const double a = std::sqrt(6.0 / (kIn + kOut));
    const Moments m = moments(l.weight().value);
    CHECK(m.max_abs <= a * (1.0 + 1e-7));
    CHECK(m.max_abs >= 0.999 * a);  // P(all 150,000 below 0.999 a) = 0.9995^150000: never
    // Uniform on (-a, a): variance a^2 / 3, kurtosis 9/5; sample kurtosis variance about 1.32 / n
    // (delta method: (mu8 - mu4^2) / s^8 - 4 mu4 (mu6 - mu4 s^2) / s^10 + 4 mu4^2 (mu4 - s^4) / s^12 for U(-1, 1)).
    check_distribution(m, a * a / 3.0, 1.8, 1.32, "XavierUniform");
    check_zero_bias(l);

    // The default is XavierUniform, draw for draw.
    nnfs::manual_seed(1);
    Linear explicit_init(kIn, kOut, Init::XavierUniform);
    for (int64_t i = 0; i < l.weight().numel(); ++i) REQUIRE(explicit_init.weight().data()[i] == l.weight().data()[i]);
}

TEST_CASE("HeUniform: U(-a, a), a = sqrt(6 / fan_in)") {
    nnfs::manual_seed(2);
    Linear l(kIn, kOut, Init::HeUniform);
    const double a = std::sqrt(6.0 / kIn);
    const Moments m = moments(l.weight().value);
    CHECK(m.max_abs <= a * (1.0 + 1e-7));
    CHECK(m.max_abs >= 0.999 * a);
    check_distribution(m, a * a / 3.0, 1.8, 1.32, "HeUniform");
    check_zero_bias(l);
}

TEST_CASE("XavierNormal: N(0, 2 / (fan_in + fan_out))") {
    nnfs::manual_seed(3);
    Linear l(kIn, kOut, Init::XavierNormal);
    const double sigma2 = 2.0 / (kIn + kOut);
    const Moments m = moments(l.weight().value);
    // Normal: kurtosis 3, sample kurtosis variance about 24 / n; tails beyond 3 sigma exist.
    check_distribution(m, sigma2, 3.0, 24.0, "XavierNormal");
    CHECK(m.max_abs > 3.5 * std::sqrt(sigma2));  // 150,000 draws: P(none beyond 3.5 sigma) ~ e^-70
    CHECK(m.max_abs < 7.0 * std::sqrt(sigma2));
    check_zero_bias(l);
}

TEST_CASE("HeNormal: N(0, 2 / fan_in)") {
    nnfs::manual_seed(4);
    Linear l(kIn, kOut, Init::HeNormal);
    const double sigma2 = 2.0 / kIn;
    const Moments m = moments(l.weight().value);
    check_distribution(m, sigma2, 3.0, 24.0, "HeNormal");
    CHECK(m.max_abs > 3.5 * std::sqrt(sigma2));
    CHECK(m.max_abs < 7.0 * std::sqrt(sigma2));
    check_zero_bias(l);
}

TEST_CASE("initialisation is reproducible under manual_seed and differs across seeds and layers") {
    for (Init init : {Init::XavierUniform, Init::XavierNormal, Init::HeUniform, Init::HeNormal}) {
        CAPTURE(static_cast<int>(init));
        nnfs::manual_seed(42);
        Linear a(31, 17, init), a_next(31, 17, init);
        nnfs::manual_seed(42);
        Linear b(31, 17, init);
        nnfs::manual_seed(43);
        Linear c(31, 17, init);
        int64_t diff_same = 0, diff_next = 0, diff_seed = 0;
        for (int64_t i = 0; i < a.weight().numel(); ++i) {
            diff_same += a.weight().data()[i] != b.weight().data()[i];
            diff_next += a.weight().data()[i] != a_next.weight().data()[i];
            diff_seed += a.weight().data()[i] != c.weight().data()[i];
        }
        CHECK(diff_same == 0);
        CHECK(diff_next == a.weight().numel());  // continuous draws: equal values would be a repeated stream
        CHECK(diff_seed == a.weight().numel());
    }
}

TEST_CASE("initialisation of the smallest layer respects its bound") {
    // Linear(1, 1): Xavier a = sqrt(3), He a = sqrt(6).
    for (uint64_t seed = 0; seed < 50; ++seed) {
        nnfs::manual_seed(seed);
        Linear x(1, 1), h(1, 1, Init::HeUniform);
        CHECK(std::abs(x.weight().data()[0]) <= std::sqrt(3.0f));
        CHECK(std::abs(h.weight().data()[0]) <= std::sqrt(6.0f));
        CHECK(std::isfinite(x.weight().data()[0]));
    }
    nnfs::manual_seed(0);
    for (int k = 0; k < 50; ++k) {
        Linear n(1, 1, Init::HeNormal);
        CHECK(std::isfinite(n.weight().data()[0]));
    }
}
