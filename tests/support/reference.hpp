// An independent double-precision reference of every module's and loss's forward, written plainly from
// the maths (it never calls nnfs::kernels), plus a central-difference gradient and the comparisons the
// per-component tests share.
//
// Matrices are row-major std::vector<double> with their sizes passed alongside, so that the reference
// shares nothing with the library but the meaning of the numbers.
//
// How the gradient checks work (tests/test_<component>.cpp): a module's backward(R) for an upstream
// gradient R is the gradient of the scalar L(x, params) = sum(forward(x, params) * R). We evaluate the
// double reference of L at exactly the library's float inputs (converted without rounding) and
// differentiate it numerically; the library's float backward must agree to about 1e-4 relative
// (see check_gradient for why that number).
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "nnfs/nnfs.hpp"

namespace nnfs::test {

using Vec = std::vector<double>;

// ----------------------------------------------------------------------------------------------
// Conversions and random data.

Vec to_vec(std::span<const float> values);
inline Vec to_vec(const Tensor& t) { return to_vec(t.span()); }
// Rounds each value to float.
Tensor to_tensor(const Shape& shape, const Vec& values);

// A seeded generator of test data (std::mt19937_64: the same numbers on every platform).
class Rng {
public:
    explicit Rng(uint64_t seed) : gen_(seed) {}
    // n values uniform in [lo, hi), each rounded to float (so a Tensor built from them is exact).
    Vec uniform(int64_t n, double lo, double hi);
    // n values uniform in [lo, hi) with random sign: |v| in [lo, hi). Keeps inputs away from 0
    // (ReLU's kink) by at least lo.
    Vec signed_away_from_zero(int64_t n, double lo, double hi);
    Tensor uniform_tensor(const Shape& shape, double lo, double hi);
    // Each row a probability distribution (positive entries summing to 1, within float rounding).
    Vec probability_rows(int64_t rows, int64_t cols);
    int32_t index(int32_t classes);

private:
    std::mt19937_64 gen_;
};

// ----------------------------------------------------------------------------------------------
// Module forwards. x is (batch, features) row-major.

// y = x W^T + b, W (out, in), b (out).
Vec linear(const Vec& x, const Vec& w, const Vec& b, int64_t batch, int64_t in, int64_t out);
Vec relu(const Vec& x);
Vec sigmoid(const Vec& x);  // 1 / (1 + exp(-x)), written to avoid overflow of exp
Vec tanh(const Vec& x);
// Softmax over each row of a rows x cols matrix (max subtracted first).
Vec softmax(const Vec& x, int64_t rows, int64_t cols);
// log-softmax of one row, stable for any magnitude.
Vec log_softmax_row(const double* x, int64_t cols);

// BatchNorm1d, training: per column c, mean_c and biased var_c over the batch,
// y = gamma (x - mean) / sqrt(var + eps) + beta.
Vec batchnorm_train(const Vec& x, const Vec& gamma, const Vec& beta, int64_t n, int64_t c, double eps);
// BatchNorm1d, evaluation: the same with given running statistics.
Vec batchnorm_eval(const Vec& x, const Vec& gamma, const Vec& beta, const Vec& running_mean, const Vec& running_var,
                   int64_t n, int64_t c, double eps);
// Column mean and variance (biased: divided by n; unbiased: divided by n - 1).
Vec column_mean(const Vec& x, int64_t n, int64_t c);
Vec column_variance(const Vec& x, int64_t n, int64_t c, bool unbiased);

// ----------------------------------------------------------------------------------------------
// Losses, mean reduction.

// mean (p - t)^2
double mse(const Vec& p, const Vec& t);
// mean -(t log p + (1 - t) log(1 - p)), each log clamped below at -100 (PyTorch's BCELoss).
double bce(const Vec& p, const Vec& t);
// mean of the same on sigmoid(x), computed stably: max(x, 0) - x t + log(1 + exp(-|x|)).
double bce_with_logits(const Vec& x, const Vec& t);
// mean over rows of -log_softmax(x_i)[t_i].
double cross_entropy(const Vec& logits, std::span<const int32_t> target, int64_t rows, int64_t cols);
// mean over rows of -sum_j p_ij log_softmax(x_i)_j.
double cross_entropy_prob(const Vec& logits, const Vec& target, int64_t rows, int64_t cols);

// ----------------------------------------------------------------------------------------------
// Central differences.
//
// g_i = (f(x + h_i e_i) - f(x - h_i e_i)) / (2 h_i), with h_i = step * max(1, |x_i|) and h_i replaced by
// the step actually representable at x_i ((x_i + h_i) - x_i), so the division uses the true spacing.
//
// Choice of step: the truncation error is h^2 |f'''| / 6 and the rounding error about eps |f| / h
// (eps = 2.2e-16 in double); their sum is smallest at h = (3 eps |f| / |f'''|)^(1/3), about 1e-5 for
// the O(1)-scaled functions these tests differentiate. With h = 1e-5 both errors are near 1e-10
// relative, some 10^6 below the 1e-4 tolerance of the comparison with the float library, so the
// numerical gradient is effectively exact at this scale. Scaling h with |x_i| keeps the perturbation
// relative for large inputs. Callers whose function has a large third derivative (BCE close to 0 or
// 1) or a kink within reach (ReLU) keep their points at least 1e-3 away from it, far beyond h.
constexpr double kDefaultStep = 1e-5;
Vec numerical_gradient(const std::function<double(const Vec&)>& f, const Vec& x, double step = kDefaultStep);

// sum_i a_i b_i
double dot(const Vec& a, const Vec& b);

// ----------------------------------------------------------------------------------------------
// Comparisons of a float library result with a double reference.
//
// check_gradient: |a - b| <= rtol (|b| + rms(b)) elementwise, rtol = 1e-4 by default.
// Why 1e-4: the library computes in float (unit roundoff 6e-8); its gradients are sums and products
// of a few dozen to a few hundred rounded terms, so honest results carry relative errors of 1e-7 to
// 1e-5. A wrong formula (a missing term, a wrong factor, a transposed index) shows up as an O(1)
// relative error. 1e-4 sits between the two with two orders of margin on each side. Entries that
// cancel to nearly zero are judged against the tensor's RMS rather than their own tiny size.
double check_gradient(std::span<const float> actual, const Vec& expected, const std::string& what,
                      double rtol = 1e-4);
inline double check_gradient(const Tensor& actual, const Vec& expected, const std::string& what, double rtol = 1e-4) {
    return check_gradient(actual.span(), expected, what, rtol);
}
// check_forward: the same rule with rtol = 1e-5 (a forward is a handful of rounded operations).
double check_forward(std::span<const float> actual, const Vec& expected, const std::string& what,
                     double rtol = 1e-5);
inline double check_forward(const Tensor& actual, const Vec& expected, const std::string& what, double rtol = 1e-5) {
    return check_forward(actual.span(), expected, what, rtol);
}

// ----------------------------------------------------------------------------------------------
// The whole check of one module at one point.
//
// `reference(x, params)` is the double forward, params in the order of module.parameters().
// Runs module.forward(x) (mode as set by the caller) and compares it with the reference; then draws
// an upstream gradient R, clears the gradients, runs module.backward(R) and compares dx and every
// parameter gradient with the numerical gradient of L = sum(reference(x, params) * R).
using ModuleReference = std::function<Vec(const Vec& x, const std::vector<Vec>& params)>;
void check_module(Module& module, const Tensor& x, const ModuleReference& reference, const std::string& what,
                  uint64_t seed = 7, double step = kDefaultStep);

}  // namespace nnfs::test
