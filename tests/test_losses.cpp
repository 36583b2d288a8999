// Losses: MSELoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss (class indices and probabilities).
// Each forward against the double reference, each backward against central differences of the
// reference loss, edge shapes, extreme values, PyTorch's clamps and misuse.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "nnfs/nnfs.hpp"
#include "support/isas.hpp"
#include "support/reference.hpp"

using nnfs::Shape;
using nnfs::Tensor;
namespace t = nnfs::test;

namespace {

using LossReference = std::function<double(const t::Vec& prediction)>;

// Compares loss value and dL/dprediction with the reference at the library's (float) point.
template <class Loss, class... Target>
void check_loss(Loss& loss, const Tensor& prediction, const LossReference& reference, const std::string& what,
                double step, const Target&... target) {
    const float value = loss.forward(prediction, target...);
    const t::Vec p = t::to_vec(prediction);
    const double expected = reference(p);
    CHECK_MESSAGE(std::isfinite(value), what << ": loss " << value);
    CHECK_MESSAGE(double{value} == doctest::Approx(expected).epsilon(1e-6).scale(1e-30),
                  what << ": loss " << value << ", expected " << expected);
    const Tensor grad = loss.backward();
    REQUIRE(grad.shape() == prediction.shape());
    t::check_gradient(grad, t::numerical_gradient(reference, p, step), what + " gradient");
    // backward is a pure function of the last forward: calling it again gives the same values.
    const Tensor& again = loss.backward();
    for (int64_t i = 0; i < grad.numel(); ++i) REQUIRE(again.data()[i] == grad.data()[i]);
}

const std::vector<Shape> kShapes = {{4, 3}, {1, 1}, {1, 13}, {7, 1}, {13, 7}, {17, 33}, {97, 31}, {31}, {2, 3, 5}};

}  // namespace

// ----------------------------------------------------------------------------------------------
// MSELoss

TEST_CASE("MSELoss matches the double reference and central differences") {
    uint64_t seed = 1;
    for (const Shape& s : kShapes) {
        t::Rng rng(seed++);
        const Tensor x = rng.uniform_tensor(s, -3.0, 3.0), y = rng.uniform_tensor(s, -3.0, 3.0);
        nnfs::MSELoss loss;
        check_loss(loss, x, [&](const t::Vec& p) { return t::mse(p, t::to_vec(y)); }, "MSELoss " + s.str(),
                   t::kDefaultStep, y);
    }
}

TEST_CASE("MSELoss hand-derived values: zero at the target, exact gradient 2 (x - t) / n") {
    nnfs::MSELoss loss;
    const Tensor x = Tensor::from({2, 2}, std::vector<float>{1, 2, 3, 4});
    CHECK(loss.forward(x, x) == 0.0f);
    for (float g : loss.backward().span()) CHECK(g == 0.0f);
    const Tensor y = Tensor::from({2, 2}, std::vector<float>{0, 2, 5, 4});
    CHECK(loss.forward(x, y) == doctest::Approx((1.0 + 0.0 + 4.0 + 0.0) / 4.0));
    const Tensor& g = loss.backward();
    CHECK(g.data()[0] == doctest::Approx(0.5));   // 2 (1 - 0) / 4
    CHECK(g.data()[1] == 0.0f);
    CHECK(g.data()[2] == doctest::Approx(-1.0));  // 2 (3 - 5) / 4
    CHECK(g.data()[3] == 0.0f);
}

TEST_CASE("loss backward uses the prediction and target of its forward, even after the caller's tensors are gone") {
    nnfs::MSELoss a, b;
    const Tensor x = Tensor::from({1, 3}, std::vector<float>{1, 2, 3});
    const Tensor y = Tensor::from({1, 3}, std::vector<float>{0, 0, 5});
    a.forward(x, y);
    {
        auto px = std::make_unique<Tensor>(x), py = std::make_unique<Tensor>(y);
        b.forward(*px, *py);
        px->fill(50.0f);
        py->fill(-50.0f);
    }
    const Tensor ga = a.backward();
    const Tensor& gb = b.backward();
    for (int64_t i = 0; i < 3; ++i) CHECK(gb.data()[i] == ga.data()[i]);
    nnfs::CrossEntropyLoss ca, cb;
    const std::vector<int32_t> labels{2};
    ca.forward(x, labels);
    {
        auto px = std::make_unique<Tensor>(x);
        auto pl = std::make_unique<std::vector<int32_t>>(labels);
        cb.forward(*px, *pl);
        px->fill(9.0f);
        (*pl)[0] = 0;
    }
    const Tensor gca = ca.backward();
    const Tensor& gcb = cb.backward();
    for (int64_t i = 0; i < 3; ++i) CHECK(gcb.data()[i] == gca.data()[i]);
}

// ----------------------------------------------------------------------------------------------
// BCELoss

TEST_CASE("BCELoss matches the double reference and central differences") {
    uint64_t seed = 20;
    for (const Shape& s : kShapes) {
        t::Rng rng(seed++);
        // Probabilities in [0.05, 0.95]: far from the clamp and from 0 and 1, where the loss's third
        // derivative would dominate the central difference.
        const Tensor x = rng.uniform_tensor(s, 0.05, 0.95);
        // Soft targets in [0, 1], then hard 0/1 targets.
        const Tensor soft = rng.uniform_tensor(s, 0.0, 1.0);
        t::Vec hard_v = rng.uniform(s.numel(), 0.0, 1.0);
        for (double& v : hard_v) v = v < 0.5 ? 0.0 : 1.0;
        const Tensor hard = t::to_tensor(s, hard_v);
        for (const Tensor* y : {&soft, &hard}) {
            nnfs::BCELoss loss;
            check_loss(loss, x, [&](const t::Vec& p) { return t::bce(p, t::to_vec(*y)); }, "BCELoss " + s.str(),
                       t::kDefaultStep, *y);
        }
    }
}

TEST_CASE("BCELoss at probabilities 0 and 1: logs clamped at -100, gradients finite (PyTorch's 1e-12 floor)") {
    nnfs::BCELoss loss;
    const Tensor x = Tensor::from({1, 6}, std::vector<float>{0.0f, 0.0f, 1.0f, 1.0f, 0.5f, 1e-30f});
    const Tensor y = Tensor::from({1, 6}, std::vector<float>{0.0f, 1.0f, 0.0f, 1.0f, 1.0f, 1.0f});
    // Per element: 0, 100 (clamped -log 0), 100, 0, log 2, 69.08 (-log 1e-30, not clamped).
    const double expected = (0.0 + 100.0 + 100.0 + 0.0 + std::log(2.0) + -std::log(double{1e-30f})) / 6.0;
    const float value = loss.forward(x, y);
    CHECK(std::isfinite(value));
    CHECK(value == doctest::Approx(expected).epsilon(1e-6));
    CHECK(value == doctest::Approx(t::bce(t::to_vec(x), t::to_vec(y))).epsilon(1e-6));
    const Tensor& g = loss.backward();
    for (float v : g.span()) CHECK(std::isfinite(v));
    // (x - t) / max(x (1 - x), 1e-12) / n
    CHECK(g.data()[0] == 0.0f);
    CHECK(g.data()[1] == doctest::Approx(-1e12 / 6.0).epsilon(1e-6));
    CHECK(g.data()[2] == doctest::Approx(1e12 / 6.0).epsilon(1e-6));
    CHECK(g.data()[3] == 0.0f);
    CHECK(g.data()[4] == doctest::Approx(-2.0 / 6.0).epsilon(1e-6));  // (0.5 - 1) / 0.25 / 6
    CHECK(g.data()[5] == doctest::Approx(-1e12 / 6.0).epsilon(1e-6));  // x (1 - x) = 1e-30 is floored
}

// A subnormal or tiny probability against target 0: PyTorch takes the quotient (x - t) / 1e-12 first and
// divides by n after, so the gradient is a normal float (2.3e-35 for the smallest subnormal, n = 60); scaled
// by 1 / n first, x - t would underflow to 0 (found by a differential campaign). Every instruction set.
TEST_CASE("BCELoss gradient of a subnormal probability does not underflow (the quotient first, as PyTorch)") {
    const float tiny[] = {std::numeric_limits<float>::denorm_min(), 1e-40f, std::numeric_limits<float>::min(), 3e-38f};
    const nnfs::kernels::Isa saved = nnfs::kernels::current_isa();
    for (nnfs::kernels::Isa isa : nnfs::test::runnable_isas(true)) {
        nnfs::kernels::set_max_isa(isa);
        std::vector<float> p(60, 0.5f), t(60, 1.0f);
        for (size_t i = 0; i < 4; ++i) p[7 * i + 3] = tiny[i], t[7 * i + 3] = 0.0f;  // in different lanes
        nnfs::BCELoss loss;
        loss.forward(Tensor::from({60, 1}, p), Tensor::from({60, 1}, t));
        const Tensor& g = loss.backward();
        for (size_t i = 0; i < 4; ++i) {
            const double want = double{tiny[i]} / double{1e-12f} / 60.0;  // x (1 - x) = x is floored at 1e-12
            CAPTURE(i);
            CHECK(std::fpclassify(g.data()[7 * i + 3]) == FP_NORMAL);
            CHECK(g.data()[7 * i + 3] == doctest::Approx(want).epsilon(1e-6));
        }
    }
    nnfs::kernels::set_max_isa(saved);
}

// ----------------------------------------------------------------------------------------------
// BCEWithLogitsLoss

TEST_CASE("BCEWithLogitsLoss matches the double reference and central differences") {
    uint64_t seed = 40;
    for (const Shape& s : kShapes) {
        t::Rng rng(seed++);
        const Tensor x = rng.uniform_tensor(s, -6.0, 6.0);
        const Tensor y = rng.uniform_tensor(s, 0.0, 1.0);
        nnfs::BCEWithLogitsLoss loss;
        check_loss(loss, x, [&](const t::Vec& p) { return t::bce_with_logits(p, t::to_vec(y)); },
                   "BCEWithLogitsLoss " + s.str(), t::kDefaultStep, y);
    }
}

TEST_CASE("BCEWithLogitsLoss at extreme logits: exact limits, finite gradients") {
    nnfs::BCEWithLogitsLoss loss;
    const Tensor x = Tensor::from({1, 8}, std::vector<float>{1e4f, 1e4f, -1e4f, -1e4f, 100.0f, -100.0f, 0.0f, 0.0f});
    const Tensor y = Tensor::from({1, 8}, std::vector<float>{1.0f, 0.0f, 1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.5f});
    // Per element: 0, 1e4, 1e4, 0, 100, ~0 (e^-100), log 2, log 2.
    const double expected = (0.0 + 1e4 + 1e4 + 0.0 + 100.0 + std::log1p(std::exp(-100.0)) + 2.0 * std::log(2.0)) / 8.0;
    const float value = loss.forward(x, y);
    CHECK(std::isfinite(value));
    CHECK(value == doctest::Approx(expected).epsilon(1e-6));
    const Tensor g = loss.backward();
    for (float v : g.span()) CHECK(std::isfinite(v));
    // (sigmoid(x) - t) / n
    const double n = 8.0;
    CHECK(g.data()[0] == 0.0f);
    CHECK(g.data()[1] == doctest::Approx(1.0 / n));
    CHECK(g.data()[2] == doctest::Approx(-1.0 / n));
    CHECK(g.data()[3] == 0.0f);
    CHECK(g.data()[4] == doctest::Approx(1.0 / n));
    CHECK(std::abs(g.data()[5]) < 1e-40f);
    CHECK(g.data()[6] == doctest::Approx(-0.5 / n));
    CHECK(g.data()[7] == 0.0f);
    // Central differences at the same points. The default step is 0.1 at |x| = 1e4, where the loss is
    // linear to double precision, and 1e-5 at 0; a smaller step would drown the small gradients in the
    // rounding of a loss of size 2500.
    check_loss(loss, x, [&](const t::Vec& p) { return t::bce_with_logits(p, t::to_vec(y)); },
               "BCEWithLogitsLoss extremes", t::kDefaultStep, y);
}

// ----------------------------------------------------------------------------------------------
// CrossEntropyLoss

TEST_CASE("CrossEntropyLoss with class indices matches the double reference and central differences") {
    uint64_t seed = 60;
    for (const Shape& s : std::vector<Shape>{{4, 5}, {1, 1}, {1, 13}, {7, 1}, {13, 7}, {17, 33}, {97, 31}, {5, 97}}) {
        t::Rng rng(seed++);
        const int64_t rows = s[0], cols = s[1];
        const Tensor x = rng.uniform_tensor(s, -4.0, 4.0);
        std::vector<int32_t> target(static_cast<size_t>(rows));
        for (int32_t& c : target) c = rng.index(static_cast<int32_t>(cols));
        nnfs::CrossEntropyLoss loss;
        check_loss(loss, x, [&](const t::Vec& p) { return t::cross_entropy(p, target, rows, cols); },
                   "CrossEntropyLoss " + s.str(), t::kDefaultStep, std::span<const int32_t>(target));
        // The gradient is (softmax - onehot) / rows: each row sums to 0.
        const Tensor& g = loss.backward();
        for (int64_t i = 0; i < rows; ++i) {
            double sum = 0.0, scale = 0.0;
            for (int64_t j = 0; j < cols; ++j) {
                sum += g.t(i, j);
                scale += std::abs(g.t(i, j));
            }
            CHECK(std::abs(sum) <= 1e-6 * (scale + 1.0 / static_cast<double>(rows)));
        }
    }
}

TEST_CASE("CrossEntropyLoss with probability targets matches the double reference and central differences") {
    uint64_t seed = 80;
    for (const Shape& s : std::vector<Shape>{{4, 5}, {1, 1}, {1, 13}, {13, 7}, {17, 33}, {97, 31}}) {
        t::Rng rng(seed++);
        const int64_t rows = s[0], cols = s[1];
        const Tensor x = rng.uniform_tensor(s, -4.0, 4.0);
        const t::Vec pv = rng.probability_rows(rows, cols);
        const Tensor p = t::to_tensor(s, pv);
        nnfs::CrossEntropyLoss loss;
        check_loss(loss, x, [&](const t::Vec& l) { return t::cross_entropy_prob(l, pv, rows, cols); },
                   "CrossEntropyLoss probabilities " + s.str(), t::kDefaultStep, p);
        // Targets whose rows do not sum to 1 (PyTorch accepts them): the gradient is softmax * mass - p.
        const Tensor q = rng.uniform_tensor(s, 0.0, 2.0);
        const t::Vec qv = t::to_vec(q);
        nnfs::CrossEntropyLoss loss2;
        check_loss(loss2, x, [&](const t::Vec& l) { return t::cross_entropy_prob(l, qv, rows, cols); },
                   "CrossEntropyLoss unnormalised targets " + s.str(), t::kDefaultStep, q);
    }
}

TEST_CASE("CrossEntropyLoss: one-hot probability targets give the index loss and gradient") {
    t::Rng rng(91);
    const int64_t rows = 9, cols = 6;
    const Tensor x = rng.uniform_tensor({rows, cols}, -3.0, 3.0);
    std::vector<int32_t> target(rows);
    t::Vec onehot(static_cast<size_t>(rows * cols), 0.0);
    for (int64_t i = 0; i < rows; ++i) {
        target[static_cast<size_t>(i)] = rng.index(static_cast<int32_t>(cols));
        onehot[static_cast<size_t>(i * cols + target[static_cast<size_t>(i)])] = 1.0;
    }
    nnfs::CrossEntropyLoss a, b;
    const float la = a.forward(x, target);
    const float lb = b.forward(x, t::to_tensor({rows, cols}, onehot));
    CHECK(la == doctest::Approx(lb).epsilon(1e-6));
    t::check_forward(b.backward(), t::to_vec(a.backward()), "one-hot gradient");
}

TEST_CASE("CrossEntropyLoss at extreme logits: confident right ~0, confident wrong ~2e4, gradients finite") {
    const Tensor x = Tensor::from({4, 2}, std::vector<float>{1e4f, -1e4f,   // right: target 0
                                                             1e4f, -1e4f,   // wrong: target 1
                                                             100.0f, -100.0f, 0.0f, 0.0f});
    const std::vector<int32_t> right{0, 1, 0, 1};
    nnfs::CrossEntropyLoss loss;
    {
        const Tensor one_row = Tensor::from({1, 2}, std::vector<float>{1e4f, -1e4f});
        CHECK(loss.forward(one_row, std::vector<int32_t>{0}) == 0.0f);
        const Tensor& g = loss.backward();
        CHECK(g.data()[0] == 0.0f);
        CHECK(g.data()[1] == 0.0f);
        CHECK(loss.forward(one_row, std::vector<int32_t>{1}) == doctest::Approx(2e4));
        const Tensor& g2 = loss.backward();
        CHECK(g2.data()[0] == 1.0f);
        CHECK(g2.data()[1] == -1.0f);
    }
    // Rows: 0, 2e4, 0 (e^-200 below float), log 2.
    const float value = loss.forward(x, right);
    CHECK(std::isfinite(value));
    CHECK(value == doctest::Approx((0.0 + 2e4 + 0.0 + std::log(2.0)) / 4.0).epsilon(1e-6));
    const Tensor g = loss.backward();
    for (float v : g.span()) CHECK(std::isfinite(v));
    CHECK(g.t(1, 0) == 0.25f);
    CHECK(g.t(1, 1) == -0.25f);
    check_loss(loss, x, [&](const t::Vec& p) { return t::cross_entropy(p, right, 4, 2); },
               "CrossEntropyLoss extremes", t::kDefaultStep, std::span<const int32_t>(right));

    // Zero logits: log(classes), gradient (1/classes - onehot) / rows.
    const Tensor z({3, 7});
    const std::vector<int32_t> zt{0, 3, 6};
    CHECK(loss.forward(z, zt) == doctest::Approx(std::log(7.0)).epsilon(1e-6));
    const Tensor& gz = loss.backward();
    CHECK(gz.t(1, 3) == doctest::Approx((1.0 / 7.0 - 1.0) / 3.0).epsilon(1e-6));
    CHECK(gz.t(1, 4) == doctest::Approx(1.0 / 21.0).epsilon(1e-6));

    // Probability targets at the same extremes.
    const Tensor pt = Tensor::from({4, 2}, std::vector<float>{1, 0, 0, 1, 0.5f, 0.5f, 0.25f, 0.75f});
    const t::Vec ptv = t::to_vec(pt);
    check_loss(loss, x, [&](const t::Vec& p) { return t::cross_entropy_prob(p, ptv, 4, 2); },
               "CrossEntropyLoss probabilities at extremes", t::kDefaultStep, pt);
}

// ----------------------------------------------------------------------------------------------
// Misuse and empty batches

TEST_CASE("losses on an empty batch give NaN and an empty gradient, as PyTorch's mean over nothing") {
    const Tensor e({0, 3});
    nnfs::MSELoss mse;
    nnfs::BCELoss bce;
    nnfs::BCEWithLogitsLoss bcel;
    for (nnfs::ElementwiseLoss* loss : std::initializer_list<nnfs::ElementwiseLoss*>{&mse, &bce, &bcel}) {
        CAPTURE(loss->name());
        CHECK(std::isnan(loss->forward(e, e)));
        CHECK(loss->backward().shape() == nnfs::Shape{0, 3});
    }
    CHECK(std::isnan(mse.forward(Tensor(), Tensor())));
    CHECK(mse.backward().shape() == nnfs::Shape{0});
    nnfs::CrossEntropyLoss ce;
    CHECK(std::isnan(ce.forward(e, std::vector<int32_t>{})));
    CHECK(ce.backward().shape() == nnfs::Shape{0, 3});
    CHECK(std::isnan(ce.forward(e, e)));
    CHECK(ce.backward().shape() == nnfs::Shape{0, 3});
}

TEST_CASE("elementwise loss misuse raises nnfs::Error naming the loss and the shapes or values") {
    nnfs::MSELoss mse;
    CHECK_THROWS_WITH_AS(mse.backward(), doctest::Contains("MSELoss: backward called before forward"), nnfs::Error);
    CHECK_THROWS_WITH_AS(mse.forward(Tensor({2, 3}), Tensor({3, 2})),
                         doctest::Contains("MSELoss: prediction [2, 3] and target [3, 2] differ in shape"), nnfs::Error);
    CHECK_THROWS_WITH_AS(mse.forward(Tensor({6}), Tensor({2, 3})),
                         doctest::Contains("prediction [6] and target [2, 3] differ in shape"), nnfs::Error);
    nnfs::BCEWithLogitsLoss bcel;
    CHECK_THROWS_WITH_AS(bcel.forward(Tensor({4, 1}), Tensor({4})),
                         doctest::Contains("BCEWithLogitsLoss: prediction [4, 1] and target [4] differ in shape"),
                         nnfs::Error);

    nnfs::BCELoss bce;
    const Tensor y({1, 4});
    CHECK_THROWS_WITH_AS(bce.forward(Tensor::from({1, 4}, std::vector<float>{0.5f, 0.2f, 1.5f, 0.1f}), y),
                         doctest::Contains("BCELoss: prediction[2] = 1.5 is not a probability in [0, 1]"), nnfs::Error);
    CHECK_THROWS_WITH_AS(bce.forward(Tensor::from({1, 4}, std::vector<float>{-0.25f, 0.2f, 0.5f, 0.1f}), y),
                         doctest::Contains("BCELoss: prediction[0] = -0.25 is not a probability"), nnfs::Error);
    CHECK_THROWS_WITH_AS(bce.forward(Tensor::from({1, 4}, std::vector<float>{0.5f, NAN, 0.5f, 0.1f}), y),
                         doctest::Contains("BCELoss: prediction[1] = nan"), nnfs::Error);
    CHECK_THROWS_WITH_AS(bce.forward(Tensor({2, 2}), y), doctest::Contains("BCELoss: prediction [2, 2] and target [1, 4]"),
                         nnfs::Error);

    // A failed forward leaves nothing for backward, even after an earlier successful one.
    nnfs::MSELoss m2;
    m2.forward(Tensor({2, 2}), Tensor({2, 2}));
    CHECK_NOTHROW(m2.backward());
    CHECK_THROWS_AS(m2.forward(Tensor({2, 2}), Tensor({4})), nnfs::Error);
    CHECK_THROWS_WITH_AS(m2.backward(), doctest::Contains("MSELoss: backward called before forward"), nnfs::Error);
}

TEST_CASE("CrossEntropyLoss misuse raises nnfs::Error naming the labels and the shapes") {
    nnfs::CrossEntropyLoss ce;
    const Tensor x({2, 5});
    CHECK_THROWS_WITH_AS(ce.backward(), doctest::Contains("CrossEntropyLoss: backward called before forward"), nnfs::Error);
    CHECK_THROWS_WITH_AS(ce.forward(x, std::vector<int32_t>{1, 5}),
                         doctest::Contains("CrossEntropyLoss: target[1] = 5 is out of range for 5 classes (logits [2, 5])"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(ce.forward(x, std::vector<int32_t>{-1, 0}),
                         doctest::Contains("CrossEntropyLoss: target[0] = -1 is out of range for 5 classes"), nnfs::Error);
    CHECK_THROWS_WITH_AS(ce.forward(x, std::vector<int32_t>{1, 2, 3}),
                         doctest::Contains("CrossEntropyLoss: 3 targets for logits [2, 5]"), nnfs::Error);
    CHECK_THROWS_WITH_AS(ce.forward(x, std::vector<int32_t>{1}), doctest::Contains("1 targets for logits [2, 5]"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(ce.forward(x, Tensor({2, 4})),
                         doctest::Contains("CrossEntropyLoss: probability target [2, 4] for logits [2, 5]"), nnfs::Error);
    CHECK_THROWS_WITH_AS(ce.forward(Tensor({5}), std::vector<int32_t>{0}),
                         doctest::Contains("CrossEntropyLoss: logits [5], expected [batch, classes]"), nnfs::Error);
    CHECK_THROWS_WITH_AS(ce.forward(Tensor({2, 0}), std::vector<int32_t>{0, 0}),
                         doctest::Contains("logits [2, 0], expected [batch, classes]"), nnfs::Error);
    // A failed forward leaves nothing for backward.
    ce.forward(x, std::vector<int32_t>{0, 4});
    CHECK_NOTHROW(ce.backward());
    CHECK_THROWS_AS(ce.forward(x, std::vector<int32_t>{0, 9}), nnfs::Error);
    CHECK_THROWS_WITH_AS(ce.backward(), doctest::Contains("CrossEntropyLoss: backward called before forward"), nnfs::Error);
}
