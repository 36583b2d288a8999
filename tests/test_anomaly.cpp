// Anomaly detection: off, NaN and Inf flow through as values; on, the first layer and phase that
// produced one is named.
#include <doctest/doctest.h>

#include <algorithm>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "nnfs/nnfs.hpp"
#include "support/rerun_self.hpp"

namespace {
// Turns anomaly detection on for a scope.
struct AnomalyOn {
    AnomalyOn() { nnfs::set_detect_anomaly(true); }
    ~AnomalyOn() { nnfs::set_detect_anomaly(false); }
};
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
}  // namespace

TEST_CASE("off: NaN in the input propagates as a value (the documented result)") {
    REQUIRE_FALSE(nnfs::detect_anomaly());
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(3, 2);
    const std::vector<float> v{1, 2, 3, 4, kNaN, 6};
    const nnfs::Tensor& y = net.forward(nnfs::Tensor::from({2, 3}, v));
    CHECK(std::isfinite(y.t(0, 0)));
    CHECK(std::isnan(y.t(1, 0)));
}

TEST_CASE("on: the input, a layer's output, its gradients and a loss are checked") {
    AnomalyOn on;
    nnfs::Sequential net;
    auto& first = net.emplace<nnfs::Linear>(3, 2);
    net.emplace<nnfs::ReLU>();
    const std::vector<float> bad{1, 2, 3, 4, kNaN, 6};
    CHECK_THROWS_WITH_AS(net.forward(nnfs::Tensor::from({2, 3}, bad)), doctest::Contains("the input has NaN at element [1, 1] of [2, 3]"), nnfs::Error);

    // A layer that overflows: the message names the layer, its position and the phase.
    first.weight().value.fill(3e38f);
    const nnfs::Tensor x = nnfs::Tensor::full({2, 3}, 1.0f);
    CHECK_THROWS_WITH_AS(net.forward(x), doctest::Contains("Sequential layer 0 forward: anomaly: Linear(3 -> 2) output has +Inf"), nnfs::Error);

    // Finite forward, then a gradient that overflows in the backward of layer 0.
    first.weight().value.fill(1.0f);
    net.forward(x);
    const nnfs::Tensor huge = nnfs::Tensor::full({2, 2}, 3e38f);
    CHECK_THROWS_WITH_AS(net.backward(huge), doctest::Contains("Sequential layer 0 backward: anomaly: Linear(3 -> 2) input gradient has +Inf"), nnfs::Error);
    const nnfs::Tensor nan_grad = nnfs::Tensor::full({2, 2}, kNaN);
    // The caller's gradient is named as such, not as a layer's (it said "layer <size>", one past the last).
    CHECK_THROWS_WITH_AS(net.backward(nan_grad), doctest::Contains("Sequential backward: anomaly: grad_output has NaN"), nnfs::Error);

    nnfs::MSELoss mse;
    const nnfs::Tensor big = nnfs::Tensor::full({2, 2}, 1e30f), zero({2, 2});
    CHECK_THROWS_WITH_AS(mse.forward(big, zero), doctest::Contains("anomaly: MSELoss forward produced +Inf"), nnfs::Error);
}

TEST_CASE("on: a clean training step passes unchanged") {
    AnomalyOn on;
    nnfs::manual_seed(3);
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(4, 8);
    net.emplace<nnfs::BatchNorm1d>(8);
    net.emplace<nnfs::Tanh>();
    net.emplace<nnfs::Linear>(8, 3);
    nnfs::CrossEntropyLoss loss;
    nnfs::SGD sgd(net.parameters(), {.lr = 0.1f});
    nnfs::Tensor x({6, 4});
    nnfs::kernels::uniform_fill(x.data(), x.numel(), -1.0f, 1.0f, 1, 0);
    const std::vector<int32_t> y{0, 1, 2, 0, 1, 2};
    float first = 0, last = 0;
    for (int step = 0; step < 20; ++step) {
        sgd.zero_grad();
        last = loss.forward(net.forward(x), y);
        if (step == 0) first = last;
        net.backward(loss.backward());
        sgd.step();
    }
    CHECK(last < first);
}

// ------------------------------------------------------------------------------------------------
// Every layer type and phase, parameter gradients, losses, the first layer named, the environment variable

namespace {
// A layer that writes NaN into its output or its input gradient on request: shows that Sequential checks
// every layer, whatever its type, in both phases.
struct Poison : nnfs::Module {
    bool in_forward = false, in_backward = false;
    nnfs::Tensor out, grad;
    const nnfs::Tensor& forward(const nnfs::Tensor& x) override {
        out = x;
        if (in_forward) out.data()[out.numel() - 1] = kNaN;
        return out;
    }
    const nnfs::Tensor& backward(const nnfs::Tensor& dy) override {
        grad = dy;
        if (in_backward) grad.data()[0] = kNaN;
        return grad;
    }
    std::string name() const override { return "Poison"; }
};
constexpr float kHuge = 3e38f;
}  // namespace

TEST_CASE("on: every layer type that can overflow is named, forward and backward") {
    AnomalyOn on;
    const nnfs::Tensor x = nnfs::Tensor::full({2, 3}, 1.0f);
    {
        // BatchNorm1d forward: gamma * xhat overflows (xhat = 3 / sqrt(3) in the column [3, -1, -1, -1]).
        nnfs::Sequential net;
        auto& bn = net.emplace<nnfs::BatchNorm1d>(3);
        bn.weight().value.fill(kHuge);
        const std::vector<float> v{3, 3, 3, -1, -1, -1, -1, -1, -1, -1, -1, -1};
        CHECK_THROWS_WITH_AS(net.forward(nnfs::Tensor::from({4, 3}, v)),
                             doctest::Contains("Sequential layer 0 forward: anomaly: BatchNorm1d(3) output has"), nnfs::Error);
        // ... and backward: dx = gamma invstd (...) overflows; its gamma gradient stays finite.
        bn.weight().value.fill(1.0f);
        net.forward(nnfs::Tensor::from({4, 3}, v));
        bn.weight().value.fill(kHuge);
        CHECK_THROWS_WITH_AS(net.backward(nnfs::Tensor::from({4, 3}, std::vector<float>{1e30f, 0, 0, -1e30f, 0, 0, 0, 0, 0, 0, 0, 0})),
                             doctest::Contains("Sequential layer 0 backward: anomaly: BatchNorm1d(3) input gradient has"), nnfs::Error);
    }
    {
        // Dropout forward (training): survivors scaled by 1 / (1 - p) overflow; backward likewise.
        nnfs::manual_seed(1);
        nnfs::Sequential net;
        net.emplace<nnfs::Dropout>(0.5f);
        const nnfs::Tensor big = nnfs::Tensor::full({4, 8}, kHuge);
        CHECK_THROWS_WITH_AS(net.forward(big), doctest::Contains("Sequential layer 0 forward: anomaly: Dropout(p = 0.5) output has +Inf"),
                             nnfs::Error);
        net.forward(nnfs::Tensor::full({4, 8}, 1.0f));
        CHECK_THROWS_WITH_AS(net.backward(big), doctest::Contains("Sequential layer 0 backward: anomaly: Dropout(p = 0.5) input gradient has +Inf"),
                             nnfs::Error);
        net.eval();  // the identity: nothing to overflow
        CHECK_NOTHROW(net.forward(big));
        CHECK_NOTHROW(net.backward(big));
    }
    {
        // Softmax backward: dy - sum(dy y) overflows (its forward is finite for any finite input).
        nnfs::Sequential net;
        net.emplace<nnfs::Softmax>();
        net.forward(nnfs::Tensor::from({1, 2}, std::vector<float>{0.0f, 10.0f}));  // sum(dy y) ~ -3e38
        CHECK_THROWS_WITH_AS(net.backward(nnfs::Tensor::from({1, 2}, std::vector<float>{kHuge, -kHuge})),
                             doctest::Contains("Sequential layer 0 backward: anomaly: Softmax input gradient has"), nnfs::Error);
    }
    {
        // A parameter gradient: dW = dy^T x overflows while dx = dy W stays finite.
        nnfs::Sequential net;
        auto& lin = net.emplace<nnfs::Linear>(1, 1);
        lin.weight().value.fill(1e-20f);
        net.forward(nnfs::Tensor::full({1, 1}, 1e20f));
        CHECK_THROWS_WITH_AS(net.backward(nnfs::Tensor::full({1, 1}, 1e20f)),
                             doctest::Contains("Sequential layer 0 backward: anomaly: Linear(1 -> 1) gradient of 0.weight has +Inf at element [0, 0] of [1, 1]"),
                             nnfs::Error);
    }
    // ReLU, Sigmoid and Tanh cannot turn finite values into NaN or Inf in either phase; any layer's output and
    // input gradient is checked, shown with a layer that injects a NaN, between them.
    for (const bool forward : {true, false}) {
        CAPTURE(forward);
        nnfs::Sequential net;
        net.emplace<nnfs::Linear>(3, 3);
        net.emplace<nnfs::ReLU>();
        net.emplace<nnfs::Sigmoid>();
        auto& poison = static_cast<Poison&>(net.add(std::make_unique<Poison>()));
        net.emplace<nnfs::Tanh>();
        net.emplace<nnfs::Linear>(3, 2);
        poison.in_forward = forward;
        poison.in_backward = !forward;
        if (forward) {
            CHECK_THROWS_WITH_AS(net.forward(x), doctest::Contains("Sequential layer 3 forward: anomaly: Poison output has NaN at element [1, 2] of [2, 3]"),
                                 nnfs::Error);
        } else {
            net.forward(x);
            CHECK_THROWS_WITH_AS(net.backward(nnfs::Tensor::full({2, 2}, 1.0f)),
                                 doctest::Contains("Sequential layer 3 backward: anomaly: Poison input gradient has NaN at element [0, 0] of [2, 3]"),
                                 nnfs::Error);
        }
    }
}

TEST_CASE("on: the first layer that produced a NaN or Inf is named, not the ones it reached") {
    AnomalyOn on;
    nnfs::Sequential net;
    auto& first = net.emplace<nnfs::Linear>(3, 3);
    net.emplace<nnfs::Tanh>();
    auto& last = net.emplace<nnfs::Linear>(3, 2);
    const nnfs::Tensor x = nnfs::Tensor::full({2, 3}, 1.0f);
    // Forward: layer 0 overflows first; the Tanh after it would have turned +Inf into 1 and hidden it.
    first.weight().value.fill(kHuge);
    CHECK_THROWS_WITH_AS(net.forward(x), doctest::Contains("Sequential layer 0 forward: anomaly: Linear(3 -> 3) output has +Inf"),
                         nnfs::Error);
    // Backward runs from the last layer: its input gradient overflows first (layer 0's would too).
    first.weight().value.fill(1.0f);
    net.forward(x);
    last.weight().value.fill(kHuge);
    CHECK_THROWS_WITH_AS(net.backward(nnfs::Tensor::full({2, 2}, 1.0f)),
                         doctest::Contains("Sequential layer 2 backward: anomaly: Linear(3 -> 2) input gradient has +Inf"), nnfs::Error);
    // A nested Sequential names the outer and the inner position.
    nnfs::Sequential outer;
    outer.emplace<nnfs::ReLU>();
    auto& inner = outer.emplace<nnfs::Sequential>();
    auto& deep = inner.emplace<nnfs::Linear>(3, 3);
    deep.weight().value.fill(kHuge);
    CHECK_THROWS_WITH_AS(outer.forward(x),
                         doctest::Contains("Sequential layer 1 forward: Sequential layer 0 forward: anomaly: Linear(3 -> 3) output has +Inf"),
                         nnfs::Error);
}

TEST_CASE("on: every loss checks its value and its gradient") {
    const nnfs::Tensor nan_row = nnfs::Tensor::from({1, 2}, std::vector<float>{kNaN, 0.0f});
    const nnfs::Tensor ok = nnfs::Tensor::from({1, 2}, std::vector<float>{0.5f, 0.5f});
    {
        AnomalyOn on;
        nnfs::CrossEntropyLoss ce;
        CHECK_THROWS_WITH_AS(ce.forward(nan_row, std::vector<int32_t>{1}), doctest::Contains("anomaly: CrossEntropyLoss forward produced NaN"),
                             nnfs::Error);
        CHECK_THROWS_WITH_AS(ce.forward(nan_row, ok), doctest::Contains("anomaly: CrossEntropyLoss forward produced NaN"), nnfs::Error);
        nnfs::BCEWithLogitsLoss bcel;
        CHECK_THROWS_WITH_AS(bcel.forward(nan_row, ok), doctest::Contains("anomaly: BCEWithLogitsLoss forward produced NaN"), nnfs::Error);
        nnfs::MSELoss mse;
        CHECK_THROWS_WITH_AS(mse.forward(nan_row, ok), doctest::Contains("anomaly: MSELoss forward produced NaN"), nnfs::Error);
        // BCELoss refuses a NaN probability whether or not detection is on.
        nnfs::BCELoss bce;
        CHECK_THROWS_WITH_AS(bce.forward(nan_row, ok), doctest::Contains("BCELoss: prediction[0] = nan is not a probability"), nnfs::Error);
        // The empty batch's NaN (the mean over nothing) is reported too.
        CHECK_THROWS_WITH_AS(mse.forward(nnfs::Tensor({0, 2}), nnfs::Tensor({0, 2})), doctest::Contains("anomaly: MSELoss forward produced NaN"),
                             nnfs::Error);
    }
    // Gradients: a finite loss value whose gradient overflows (the value of this one is computed off).
    nnfs::MSELoss mse;
    const nnfs::Tensor p = nnfs::Tensor::full({1, 1}, kHuge), t = nnfs::Tensor::full({1, 1}, -kHuge);
    mse.forward(p, t);
    AnomalyOn on;
    CHECK_THROWS_WITH_AS(mse.backward(), doctest::Contains("anomaly: MSELoss gradient has +Inf at element [0, 0] of [1, 1]"), nnfs::Error);
}

TEST_CASE("NNFS_DETECT_ANOMALY turns detection on at start") {
    const char* env = std::getenv("NNFS_DETECT_ANOMALY");
    const std::vector<std::string> on_values = {"1", "On", " true"}, off_values = {"0", "OFF", "no", "maybe"};
    if (env) {
        // A child run: on without any call, and a NaN is caught; or off.
        const bool on = std::find(on_values.begin(), on_values.end(), std::string(env)) != on_values.end();
        CHECK(nnfs::detect_anomaly() == on);
        nnfs::Sequential net;
        net.emplace<nnfs::Linear>(2, 2);
        const nnfs::Tensor nan = nnfs::Tensor::full({1, 2}, kNaN);
        if (on) {
            CHECK_THROWS_WITH_AS(net.forward(nan), doctest::Contains("anomaly: the input has NaN"), nnfs::Error);
        } else {
            CHECK(std::isnan(net.forward(nan).t(0, 0)));
        }
        return;
    }
    nnfs::test::check_in_children("NNFS_DETECT_ANOMALY", on_values, "NNFS_DETECT_ANOMALY*", "maybe");
    nnfs::test::check_in_children("NNFS_DETECT_ANOMALY", off_values, "NNFS_DETECT_ANOMALY*", "maybe");
}
