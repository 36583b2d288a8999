// Anomaly detection: off, NaN and Inf flow through as values; on, the first layer and phase that
// produced one is named.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "nnfs/nnfs.hpp"

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
    CHECK_THROWS_WITH_AS(net.backward(nan_grad), doctest::Contains("grad_output has NaN"), nnfs::Error);

    nnfs::MSELoss mse;
    const nnfs::Tensor big = nnfs::Tensor::full({2, 2}, 1e30f), zero({2, 2});
    CHECK_THROWS_WITH_AS(mse.forward(big, zero), doctest::Contains("anomaly: MSELoss forward produced inf"), nnfs::Error);
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
