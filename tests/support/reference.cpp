#include "support/reference.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace nnfs::test {

// ----------------------------------------------------------------------------------------------
// Conversions and random data.

Vec to_vec(std::span<const float> values) { return Vec(values.begin(), values.end()); }

Tensor to_tensor(const Shape& shape, const Vec& values) {
    std::vector<float> f(values.size());
    for (size_t i = 0; i < values.size(); ++i) f[i] = static_cast<float>(values[i]);
    return Tensor::from(shape, f);
}

Vec Rng::uniform(int64_t n, double lo, double hi) {
    std::uniform_real_distribution<double> u(lo, hi);
    Vec v(static_cast<size_t>(n));
    for (double& e : v) e = static_cast<double>(static_cast<float>(u(gen_)));
    return v;
}

Vec Rng::signed_away_from_zero(int64_t n, double lo, double hi) {
    Vec v = uniform(n, lo, hi);
    std::bernoulli_distribution sign(0.5);
    for (double& e : v) {
        if (sign(gen_)) e = -e;
    }
    return v;
}

Tensor Rng::uniform_tensor(const Shape& shape, double lo, double hi) {
    return to_tensor(shape, uniform(shape.numel(), lo, hi));
}

Vec Rng::probability_rows(int64_t rows, int64_t cols) {
    Vec p = uniform(rows * cols, 0.05, 1.0);
    for (int64_t i = 0; i < rows; ++i) {
        double s = 0.0;
        for (int64_t j = 0; j < cols; ++j) s += p[static_cast<size_t>(i * cols + j)];
        for (int64_t j = 0; j < cols; ++j) {
            double& e = p[static_cast<size_t>(i * cols + j)];
            e = static_cast<double>(static_cast<float>(e / s));
        }
    }
    return p;
}

int32_t Rng::index(int32_t classes) {
    std::uniform_int_distribution<int32_t> u(0, classes - 1);
    return u(gen_);
}

// ----------------------------------------------------------------------------------------------
// Module forwards.

namespace {
size_t at(int64_t i, int64_t j, int64_t cols) { return static_cast<size_t>(i * cols + j); }
}  // namespace

Vec linear(const Vec& x, const Vec& w, const Vec& b, int64_t batch, int64_t in, int64_t out) {
    Vec y(static_cast<size_t>(batch * out));
    for (int64_t i = 0; i < batch; ++i) {
        for (int64_t o = 0; o < out; ++o) {
            double s = b[static_cast<size_t>(o)];
            for (int64_t k = 0; k < in; ++k) s += x[at(i, k, in)] * w[at(o, k, in)];
            y[at(i, o, out)] = s;
        }
    }
    return y;
}

Vec relu(const Vec& x) {
    Vec y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] > 0.0 ? x[i] : 0.0;
    return y;
}

Vec sigmoid(const Vec& x) {
    Vec y(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
        // exp of a non-positive number only: no overflow for any x.
        if (x[i] >= 0.0) {
            y[i] = 1.0 / (1.0 + std::exp(-x[i]));
        } else {
            const double e = std::exp(x[i]);
            y[i] = e / (1.0 + e);
        }
    }
    return y;
}

Vec tanh(const Vec& x) {
    Vec y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = std::tanh(x[i]);
    return y;
}

Vec log_softmax_row(const double* x, int64_t cols) {
    double m = x[0];
    for (int64_t j = 1; j < cols; ++j) m = std::max(m, x[j]);
    double s = 0.0;
    for (int64_t j = 0; j < cols; ++j) s += std::exp(x[j] - m);
    const double lse = std::log(s);
    Vec y(static_cast<size_t>(cols));
    for (int64_t j = 0; j < cols; ++j) y[static_cast<size_t>(j)] = (x[j] - m) - lse;
    return y;
}

Vec softmax(const Vec& x, int64_t rows, int64_t cols) {
    Vec y(x.size());
    for (int64_t i = 0; i < rows; ++i) {
        const double* row = x.data() + i * cols;
        double m = row[0];
        for (int64_t j = 1; j < cols; ++j) m = std::max(m, row[j]);
        double s = 0.0;
        for (int64_t j = 0; j < cols; ++j) s += std::exp(row[j] - m);
        for (int64_t j = 0; j < cols; ++j) y[at(i, j, cols)] = std::exp(row[j] - m) / s;
    }
    return y;
}

Vec column_mean(const Vec& x, int64_t n, int64_t c) {
    Vec mean(static_cast<size_t>(c), 0.0);
    for (int64_t j = 0; j < c; ++j) {
        double s = 0.0;
        for (int64_t i = 0; i < n; ++i) s += x[at(i, j, c)];
        mean[static_cast<size_t>(j)] = s / static_cast<double>(n);
    }
    return mean;
}

Vec column_variance(const Vec& x, int64_t n, int64_t c, bool unbiased) {
    const Vec mean = column_mean(x, n, c);
    Vec var(static_cast<size_t>(c), 0.0);
    for (int64_t j = 0; j < c; ++j) {
        double s = 0.0;
        for (int64_t i = 0; i < n; ++i) {
            const double d = x[at(i, j, c)] - mean[static_cast<size_t>(j)];
            s += d * d;
        }
        var[static_cast<size_t>(j)] = s / static_cast<double>(unbiased ? n - 1 : n);
    }
    return var;
}

Vec batchnorm_train(const Vec& x, const Vec& gamma, const Vec& beta, int64_t n, int64_t c, double eps) {
    return batchnorm_eval(x, gamma, beta, column_mean(x, n, c), column_variance(x, n, c, false), n, c, eps);
}

Vec batchnorm_eval(const Vec& x, const Vec& gamma, const Vec& beta, const Vec& running_mean, const Vec& running_var,
                   int64_t n, int64_t c, double eps) {
    Vec y(x.size());
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < c; ++j) {
            const auto jj = static_cast<size_t>(j);
            y[at(i, j, c)] = gamma[jj] * (x[at(i, j, c)] - running_mean[jj]) / std::sqrt(running_var[jj] + eps) +
                             beta[jj];
        }
    }
    return y;
}

// ----------------------------------------------------------------------------------------------
// Losses.

double mse(const Vec& p, const Vec& t) {
    double s = 0.0;
    for (size_t i = 0; i < p.size(); ++i) s += (p[i] - t[i]) * (p[i] - t[i]);
    return s / static_cast<double>(p.size());
}

double bce(const Vec& p, const Vec& t) {
    double s = 0.0;
    for (size_t i = 0; i < p.size(); ++i) {
        const double log_p = std::max(std::log(p[i]), -100.0);
        const double log_q = std::max(std::log(1.0 - p[i]), -100.0);
        s += -(t[i] * log_p + (1.0 - t[i]) * log_q);
    }
    return s / static_cast<double>(p.size());
}

double bce_with_logits(const Vec& x, const Vec& t) {
    double s = 0.0;
    for (size_t i = 0; i < x.size(); ++i) s += std::max(x[i], 0.0) - x[i] * t[i] + std::log1p(std::exp(-std::abs(x[i])));
    return s / static_cast<double>(x.size());
}

double cross_entropy(const Vec& logits, std::span<const int32_t> target, int64_t rows, int64_t cols) {
    double s = 0.0;
    for (int64_t i = 0; i < rows; ++i) {
        const Vec lp = log_softmax_row(logits.data() + i * cols, cols);
        s -= lp[static_cast<size_t>(target[static_cast<size_t>(i)])];
    }
    return s / static_cast<double>(rows);
}

double cross_entropy_prob(const Vec& logits, const Vec& target, int64_t rows, int64_t cols) {
    double s = 0.0;
    for (int64_t i = 0; i < rows; ++i) {
        const Vec lp = log_softmax_row(logits.data() + i * cols, cols);
        for (int64_t j = 0; j < cols; ++j) s -= target[at(i, j, cols)] * lp[static_cast<size_t>(j)];
    }
    return s / static_cast<double>(rows);
}

// ----------------------------------------------------------------------------------------------
// Central differences.

Vec numerical_gradient(const std::function<double(const Vec&)>& f, const Vec& x, double step) {
    Vec g(x.size());
    Vec xp = x;
    for (size_t i = 0; i < x.size(); ++i) {
        const double h = step * std::max(1.0, std::abs(x[i]));
        // The steps actually taken (x_i +- h rounded to double), so the quotient uses the true spacing.
        const volatile double up = x[i] + h;
        const volatile double down = x[i] - h;
        xp[i] = up;
        const double f_up = f(xp);
        xp[i] = down;
        const double f_down = f(xp);
        xp[i] = x[i];
        g[i] = (f_up - f_down) / (up - down);
    }
    return g;
}

double dot(const Vec& a, const Vec& b) {
    double s = 0.0;
    for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
}

// ----------------------------------------------------------------------------------------------
// Comparisons.

namespace {
double compare(std::span<const float> actual, const Vec& expected, const std::string& what, double rtol) {
    REQUIRE_MESSAGE(actual.size() == expected.size(),
                    what << ": " << actual.size() << " values, expected " << expected.size());
    double sum_sq = 0.0;
    for (double e : expected) sum_sq += e * e;
    const double rms = expected.empty() ? 0.0 : std::sqrt(sum_sq / static_cast<double>(expected.size()));
    double worst = 0.0;
    size_t worst_i = 0;
    bool all_finite = true;
    for (size_t i = 0; i < actual.size(); ++i) {
        const double a = actual[i], b = expected[i];
        if (!std::isfinite(a)) all_finite = false;
        const double bound = rtol * (std::abs(b) + rms) + 1e-300;
        double ratio = std::abs(a - b) / bound;
        if (std::isnan(ratio)) ratio = INFINITY;
        if (ratio > worst) {
            worst = ratio;
            worst_i = i;
        }
    }
    CHECK_MESSAGE(all_finite, what << ": non-finite value in the result");
    if (!actual.empty()) {
        std::ostringstream os;
        os.precision(9);
        os << what << ": element " << worst_i << " is " << actual[worst_i] << ", expected " << expected[worst_i]
           << " (rtol " << rtol << ", rms " << rms << ", worst ratio " << worst << ")";
        CHECK_MESSAGE(worst <= 1.0, os.str());
    }
    return worst;
}
}  // namespace

double check_gradient(std::span<const float> actual, const Vec& expected, const std::string& what, double rtol) {
    return compare(actual, expected, what, rtol);
}

double check_forward(std::span<const float> actual, const Vec& expected, const std::string& what, double rtol) {
    return compare(actual, expected, what, rtol);
}

// ----------------------------------------------------------------------------------------------
// The whole check of one module.

void check_module(Module& module, const Tensor& x, const ModuleReference& reference, const std::string& what,
                  uint64_t seed, double step) {
    const std::vector<Parameter*> params = module.parameters();
    const Vec xv = to_vec(x);
    std::vector<Vec> pv;
    for (const Parameter* p : params) pv.push_back(to_vec(p->value));

    const Tensor y = module.forward(x);  // a copy: the module's buffer is reused by the next call
    const Vec y_ref = reference(xv, pv);
    check_forward(y, y_ref, what + " forward");

    Rng rng(seed);
    const Tensor r = rng.uniform_tensor(y.shape(), -1.0, 1.0);
    const Vec rv = to_vec(r);
    module.zero_grad();
    const Tensor dx = module.backward(r);
    REQUIRE_MESSAGE(dx.shape() == x.shape(), what << ": dx " << dx.shape() << " for x " << x.shape());

    const Vec dx_num = numerical_gradient([&](const Vec& xx) { return dot(reference(xx, pv), rv); }, xv, step);
    check_gradient(dx, dx_num, what + " dx");

    for (size_t k = 0; k < params.size(); ++k) {
        std::vector<Vec> pk = pv;
        const Vec dp_num = numerical_gradient(
            [&](const Vec& pp) {
                pk[k] = pp;
                return dot(reference(xv, pk), rv);
            },
            pv[k], step);
        check_gradient(params[k]->grad, dp_num, what + " d" + params[k]->name);
    }
}

}  // namespace nnfs::test
