// BatchNorm1d: training and evaluation forwards against the double reference, backward (dx, dgamma,
// dbeta) against central differences in both modes, running statistics (unbiased variance, momentum),
// edge shapes and values, gradient accumulation and misuse.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "nnfs/nnfs.hpp"
#include "support/isas.hpp"
#include "support/reference.hpp"

using nnfs::BatchNorm1d;
using nnfs::Shape;
using nnfs::Tensor;
namespace t = nnfs::test;

namespace {

// Random gamma in [0.5, 1.5) and beta in [-0.5, 0.5), so both really enter the forward.
void randomize_affine(BatchNorm1d& bn, t::Rng& rng) {
    bn.weight().value = rng.uniform_tensor(bn.weight().shape(), 0.5, 1.5);
    bn.bias().value = rng.uniform_tensor(bn.bias().shape(), -0.5, 0.5);
}

t::ModuleReference train_reference(int64_t n, int64_t c, double eps) {
    return [=](const t::Vec& x, const std::vector<t::Vec>& p) { return t::batchnorm_train(x, p[0], p[1], n, c, eps); };
}

t::ModuleReference eval_reference(int64_t n, int64_t c, double eps, t::Vec mean, t::Vec var) {
    return [=](const t::Vec& x, const std::vector<t::Vec>& p) {
        return t::batchnorm_eval(x, p[0], p[1], mean, var, n, c, eps);
    };
}

std::string label(const char* mode, int64_t n, int64_t c) {
    return std::string("BatchNorm1d ") + mode + " [" + std::to_string(n) + ", " + std::to_string(c) + "]";
}

void check_train(int64_t n, int64_t c, uint64_t seed, float eps = 1e-5f) {
    t::Rng rng(seed);
    BatchNorm1d bn(c, eps);
    randomize_affine(bn, rng);
    const Tensor x = rng.uniform_tensor({n, c}, -2.0, 3.0);
    t::check_module(bn, x, train_reference(n, c, double{bn.eps()}), label("train", n, c), seed + 1);
}

void check_eval(int64_t n, int64_t c, uint64_t seed) {
    t::Rng rng(seed);
    BatchNorm1d bn(c);
    randomize_affine(bn, rng);
    bn.running_mean() = rng.uniform_tensor({c}, -1.0, 1.0);
    bn.running_var() = rng.uniform_tensor({c}, 0.2, 3.0);
    bn.eval();
    const Tensor x = rng.uniform_tensor({n, c}, -2.0, 3.0);
    t::check_module(bn, x,
                    eval_reference(n, c, double{bn.eps()}, t::to_vec(bn.running_mean()), t::to_vec(bn.running_var())),
                    label("eval", n, c), seed + 1);
}

}  // namespace

TEST_CASE("BatchNorm1d training matches the double reference and central differences") {
    check_train(4, 3, 1);
    // Batch 2, the smallest training accepts: xhat = +-sqrt(var / (var + eps)), so with a tiny eps dx is
    // an almost total cancellation (|dx| ~ eps / var times its terms) that float cannot resolve to 1e-4.
    // A large eps makes dx well conditioned; the tiny-eps limit is checked below.
    check_train(2, 1, 2, 0.5f);
    check_train(2, 5, 3, 0.25f);
    check_train(3, 4, 9, 0.1f);
    check_train(7, 1, 4);
    check_train(7, 13, 5);
    check_train(13, 97, 6);
    check_train(17, 33, 7);
    check_train(97, 31, 8);
    check_train(16, 5, 10, 0.0f);  // eps = 0, as PyTorch allows (no constant column here)
}

TEST_CASE("BatchNorm1d training on a batch of 2 with a tiny eps passes almost no gradient to x") {
    // For N = 2 with x0 - x1 = d, var = d^2 / 4 and xhat = +-s, s^2 = var / (var + eps). Then
    // dx = gamma invstd / N (N dy - sum dy - xhat sum dy xhat) reduces by hand to
    //   dx_0 = -dx_1 = gamma invstd / 2 (dy_0 - dy_1) eps / (var + eps),
    // which vanishes as eps -> 0: a near-total cancellation of terms of size invstd |dy|, resolved
    // here to float rounding of those terms.
    t::Rng rng(17);
    BatchNorm1d bn(6);
    const Tensor x = rng.uniform_tensor({2, 6}, -2.0, 2.0);
    const Tensor r = rng.uniform_tensor({2, 6}, -1.0, 1.0);
    bn.forward(x);
    const Tensor& dx = bn.backward(r);
    const double eps = double{bn.eps()};
    for (int64_t j = 0; j < 6; ++j) {
        const double d = double{x.t(0, j)} - double{x.t(1, j)};
        const double var = d * d / 4.0, invstd = 1.0 / std::sqrt(var + eps);
        const double dy0 = r.t(0, j), dy1 = r.t(1, j);
        const double dx0 = invstd / 2.0 * (dy0 - dy1) * eps / (var + eps);
        const double terms = invstd * (std::abs(dy0) + std::abs(dy1));
        CHECK(std::abs(double{dx.t(0, j)} - dx0) <= 1e-6 * terms);
        CHECK(std::abs(double{dx.t(1, j)} + dx0) <= 1e-6 * terms);
    }
    // dbeta = sum dy and dgamma = sum dy xhat are well conditioned.
    for (int64_t j = 0; j < 6; ++j) {
        CHECK(bn.bias().grad.data()[j] == doctest::Approx(double{r.t(0, j)} + double{r.t(1, j)}).epsilon(1e-6));
    }
}

TEST_CASE("BatchNorm1d evaluation matches the double reference and central differences") {
    check_eval(4, 3, 11);
    check_eval(1, 1, 12);  // batch 1 is fine in evaluation
    check_eval(1, 13, 13);
    check_eval(7, 1, 14);
    check_eval(17, 33, 15);
    check_eval(97, 31, 16);
}

TEST_CASE("BatchNorm1d running statistics: momentum update with the unbiased variance") {
    t::Rng rng(21);
    const int64_t c = 5;
    for (float momentum : {0.1f, 0.3f, 0.0f, 1.0f}) {
        CAPTURE(momentum);
        BatchNorm1d bn(c, 1e-5f, momentum);
        for (float v : bn.running_mean().span()) CHECK(v == 0.0f);
        for (float v : bn.running_var().span()) CHECK(v == 1.0f);
        t::Vec mean(c, 0.0), var(c, 1.0);
        const double m = momentum;
        for (int64_t n : {8, 3, 2, 31}) {
            const Tensor x = rng.uniform_tensor({n, c}, -1.0, 4.0);
            bn.forward(x);
            const t::Vec xv = t::to_vec(x);
            const t::Vec bm = t::column_mean(xv, n, c), bv = t::column_variance(xv, n, c, true);
            for (size_t j = 0; j < static_cast<size_t>(c); ++j) {
                mean[j] = (1.0 - m) * mean[j] + m * bm[j];
                var[j] = (1.0 - m) * var[j] + m * bv[j];
            }
            t::check_forward(bn.running_mean(), mean, "running_mean after a batch of " + std::to_string(n));
            t::check_forward(bn.running_var(), var, "running_var after a batch of " + std::to_string(n));
        }
        // Evaluation uses the running statistics and does not change them.
        bn.eval();
        const Tensor x = rng.uniform_tensor({6, c}, -1.0, 4.0);
        const Tensor y = bn.forward(x);
        t::check_forward(y,
                         t::batchnorm_eval(t::to_vec(x), t::to_vec(bn.weight().value), t::to_vec(bn.bias().value),
                                           mean, var, 6, c, 1e-5),
                         "eval forward with the running statistics");
        t::check_forward(bn.running_mean(), mean, "running_mean after an eval forward");
        t::check_forward(bn.running_var(), var, "running_var after an eval forward");
    }
}

// A mean near 0 from values of magnitude 2.5: the batch mean is summed in double (as PyTorch's CPU kernel
// and the reference), so with momentum 1 the running mean is it to the ulp on every instruction set. (The
// vector kernels' float sums of x - shift were off by an ulp of the values, 5e-8: 4.5e-6 of this mean,
// 160x PyTorch's error; found by a differential campaign.)
TEST_CASE("BatchNorm1d running mean of a near-zero batch mean is exact to an ulp on every ISA") {
    const std::vector<float> xs = {2.19139886f, -2.49175978f, 0.333501339f};
    const double exact = (double{xs[0]} + double{xs[1]} + double{xs[2]}) / 3.0;  // 0.0110468073 as a float
    const nnfs::kernels::Isa saved = nnfs::kernels::current_isa();
    for (nnfs::kernels::Isa isa : nnfs::test::runnable_isas(true)) {
        nnfs::kernels::set_max_isa(isa);
        CAPTURE(nnfs::kernels::isa_name(isa));
        BatchNorm1d bn(1, 1e-5f, 1.0f);
        bn.forward(Tensor::from({3, 1}, xs));
        const float got = bn.running_mean().data()[0];
        CHECK(std::abs(got - exact) <= 0.5 * (std::nextafter(static_cast<float>(exact), 1.0f) - static_cast<float>(exact)) * 1.01);
    }
    nnfs::kernels::set_max_isa(saved);
}

TEST_CASE("BatchNorm1d: a batch of 2 gives xhat = +-1 (biased variance), running variance gets the unbiased one") {
    // Hand-derived: x = [1, 3] has mean 2, biased variance 1, unbiased variance 2.
    BatchNorm1d bn(1, 0.0f);  // eps = 0 (as PyTorch allows): every step is exact
    const Tensor& y = bn.forward(Tensor::from({2, 1}, std::vector<float>{1.0f, 3.0f}));
    CHECK(y.data()[0] == -1.0f);
    CHECK(y.data()[1] == 1.0f);
    CHECK(bn.running_mean().data()[0] == doctest::Approx(0.2));         // 0.9 * 0 + 0.1 * 2
    CHECK(bn.running_var().data()[0] == doctest::Approx(0.9 + 0.2));    // 0.9 * 1 + 0.1 * 2
}

TEST_CASE("BatchNorm1d extreme values: constant columns and large offsets stay finite and exact") {
    const int64_t n = 6, c = 3;
    std::vector<float> xs;
    for (int64_t i = 0; i < n; ++i) {
        xs.push_back(4.0f);                                  // a constant column: xhat = 0, y = beta
        xs.push_back(1e4f + static_cast<float>(i) * 0.5f);   // large offset, small spread
        xs.push_back(i % 2 ? 1e4f : -1e4f);                  // large magnitude: xhat = +-1
    }
    const Tensor x = Tensor::from({n, c}, xs);
    BatchNorm1d bn(c);
    bn.bias().value = Tensor::from({c}, std::vector<float>{0.25f, 0.0f, 0.0f});
    const Tensor y = bn.forward(x);
    for (float v : y.span()) CHECK(std::isfinite(v));
    for (int64_t i = 0; i < n; ++i) {
        CHECK(y.t(i, 0) == 0.25f);
        CHECK(y.t(i, 2) == doctest::Approx(i % 2 ? 1.0 : -1.0).epsilon(1e-6));
    }
    // Running variance of the +-1e4 column: 0.9 + 0.1 * 1e8 * 6 / 5; of the constant column: 0.9.
    CHECK(bn.running_var().data()[0] == doctest::Approx(0.9).epsilon(1e-6));
    CHECK(bn.running_var().data()[2] == doctest::Approx(0.9 + 0.1 * 1.2e8).epsilon(1e-6));
    // Against central differences. The constant column has var = 0, so y depends on x through
    // sqrt(var + eps) with eps = 1e-5: the step must stay far below sqrt(eps) (here 4e-7), hence 1e-7
    // relative. The values around 1e4 are exact in float (1e4 + i / 2), so is their mean.
    t::check_module(bn, x, train_reference(n, c, double{bn.eps()}), "BatchNorm1d extremes", 5, 1e-7);
}

TEST_CASE("BatchNorm1d backward after switching to eval uses the statistics of the forward it follows") {
    t::Rng rng(31);
    const int64_t n = 9, c = 4;
    BatchNorm1d a(c), b(c);
    const Tensor x = rng.uniform_tensor({n, c}, -1.0, 1.0);
    const Tensor r = rng.uniform_tensor({n, c}, -1.0, 1.0);
    a.forward(x);
    const Tensor da = a.backward(r);
    b.forward(x);
    b.eval();
    const Tensor db = b.backward(r);
    for (int64_t i = 0; i < da.numel(); ++i) CHECK(db.data()[i] == da.data()[i]);
}

TEST_CASE("BatchNorm1d on an empty batch returns an empty output and leaves the running statistics alone") {
    // PyTorch returns an empty output for an empty batch in both modes (ATen batch_norm: input.numel() == 0).
    BatchNorm1d bn(3);
    const Tensor& y = bn.forward(Tensor({0, 3}));
    CHECK(y.shape() == Shape{0, 3});
    for (float v : bn.running_mean().span()) CHECK(v == 0.0f);
    for (float v : bn.running_var().span()) CHECK(v == 1.0f);
    bn.zero_grad();
    const Tensor& dx = bn.backward(Tensor({0, 3}));
    CHECK(dx.shape() == Shape{0, 3});
    for (float g : bn.weight().grad.span()) CHECK(g == 0.0f);
    for (float g : bn.bias().grad.span()) CHECK(g == 0.0f);
    bn.eval();
    CHECK(bn.forward(Tensor({0, 3})).shape() == Shape{0, 3});
}

TEST_CASE("BatchNorm1d gradients accumulate until zero_grad") {
    t::Rng rng(41);
    BatchNorm1d bn(4);
    const Tensor x = rng.uniform_tensor({5, 4}, -1.0, 1.0);
    const Tensor r = rng.uniform_tensor({5, 4}, -1.0, 1.0);
    bn.forward(x);
    bn.backward(r);
    const Tensor g1 = bn.weight().grad, b1 = bn.bias().grad;
    bn.backward(r);
    for (int64_t i = 0; i < 4; ++i) {
        CHECK(bn.weight().grad.data()[i] == 2.0f * g1.data()[i]);
        CHECK(bn.bias().grad.data()[i] == 2.0f * b1.data()[i]);
    }
    bn.zero_grad();
    for (float g : bn.weight().grad.span()) CHECK(g == 0.0f);
    for (float g : bn.bias().grad.span()) CHECK(g == 0.0f);
}

TEST_CASE("BatchNorm1d parameters, buffers and mode") {
    BatchNorm1d bn(3, 1e-3f, 0.2f);
    CHECK(bn.eps() == 1e-3f);
    CHECK(bn.momentum() == 0.2f);
    CHECK(bn.num_features() == 3);
    const auto params = bn.parameters();
    REQUIRE(params.size() == 2);
    CHECK(params[0]->name == "weight");
    CHECK(params[1]->name == "bias");
    for (float v : bn.weight().value.span()) CHECK(v == 1.0f);
    for (float v : bn.bias().value.span()) CHECK(v == 0.0f);
    const auto buffers = bn.buffers();
    REQUIRE(buffers.size() == 2);
    CHECK(buffers[0]->name == "running_mean");
    CHECK(buffers[1]->name == "running_var");
    CHECK(bn.is_training());
    bn.eval();
    CHECK(!bn.is_training());
    bn.train();
    CHECK(bn.is_training());
}

TEST_CASE("BatchNorm1d misuse raises nnfs::Error naming the module and the shapes") {
    BatchNorm1d bn(3);
    CHECK_THROWS_WITH_AS(bn.backward(Tensor({2, 3})), doctest::Contains("BatchNorm1d(3): backward called before forward"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(bn.forward(Tensor({4, 5})), doctest::Contains("BatchNorm1d(3): input [4, 5], expected [*, 3]"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(bn.forward(Tensor({3})), doctest::Contains("input [3]"), nnfs::Error);
    CHECK_THROWS_WITH_AS(bn.forward(Tensor({1, 3})),
                         doctest::Contains("BatchNorm1d(3): training needs more than 1 sample per feature, got input [1, 3]"),
                         nnfs::Error);
    bn.forward(Tensor({4, 3}));
    CHECK_THROWS_WITH_AS(bn.backward(Tensor({4, 2})), doctest::Contains("BatchNorm1d(3): grad_output [4, 2], expected [4, 3]"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(BatchNorm1d(0), doctest::Contains("BatchNorm1d(0)"), nnfs::Error);
    CHECK_THROWS_WITH_AS(BatchNorm1d(3, -1e-5f), doctest::Contains("eps = -1e-05, expected a finite value >= 0"), nnfs::Error);
    CHECK_THROWS_WITH_AS(BatchNorm1d(3, INFINITY), doctest::Contains("eps = inf"), nnfs::Error);
    CHECK_THROWS_WITH_AS(BatchNorm1d(3, 1e-5f, 1.5f), doctest::Contains("momentum = 1.5"), nnfs::Error);
    CHECK_THROWS_WITH_AS(BatchNorm1d(3, 1e-5f, -0.1f), doctest::Contains("momentum = -0.1"), nnfs::Error);
}
