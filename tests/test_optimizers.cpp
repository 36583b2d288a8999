// Optimizers: option validation, hand-computed steps of SGD (plain, momentum, Nesterov, weight decay),
// Adam and AdamW, and a few steps against the update rules of sgd.hpp and adam.hpp written out in
// double. (Full trajectories against PyTorch live in the golden tests.)
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "nnfs/nnfs.hpp"
#include "support/reference.hpp"

using nnfs::Parameter;
using nnfs::Tensor;
namespace t = nnfs::test;

namespace {

Parameter make_param(const std::string& name, std::vector<float> values) {
    return Parameter(name, Tensor::from({static_cast<int64_t>(values.size())}, values));
}

void set_grad(Parameter& p, const std::vector<float>& g) { p.grad = Tensor::from(p.value.shape(), g); }

// The documented rules in double (sgd.hpp, adam.hpp).
struct SgdRef {
    double lr, momentum, wd;
    bool nesterov;
    std::vector<double> v;
    void step(std::vector<double>& p, const std::vector<double>& grad) {
        if (v.empty()) v.assign(p.size(), 0.0);
        for (size_t i = 0; i < p.size(); ++i) {
            double g = grad[i] + wd * p[i];
            if (momentum != 0.0) {
                v[i] = momentum * v[i] + g;
                g = nesterov ? g + momentum * v[i] : v[i];
            }
            p[i] -= lr * g;
        }
    }
};

struct AdamRef {
    double lr, b1, b2, eps, wd;
    bool decoupled;
    int t = 0;
    std::vector<double> m, v;
    void step(std::vector<double>& p, const std::vector<double>& grad) {
        if (m.empty()) {
            m.assign(p.size(), 0.0);
            v.assign(p.size(), 0.0);
        }
        ++t;
        for (size_t i = 0; i < p.size(); ++i) {
            double g = grad[i];
            if (decoupled) {
                p[i] *= 1.0 - lr * wd;
            } else {
                g += wd * p[i];
            }
            m[i] = b1 * m[i] + (1.0 - b1) * g;
            v[i] = b2 * v[i] + (1.0 - b2) * g * g;
            p[i] -= lr / (1.0 - std::pow(b1, t)) * m[i] / (std::sqrt(v[i]) / std::sqrt(1.0 - std::pow(b2, t)) + eps);
        }
    }
};

// Runs `steps` steps of the optimizer on two parameters with gradients varying per step, and the
// same in double; the float library must follow to 1e-5 relative.
template <class Opt, class Ref>
void check_trajectory(Opt make_opt, Ref ref, const std::string& what) {
    t::Rng rng(11);
    const t::Vec w0 = rng.uniform(7, -1.0, 1.0), b0 = rng.uniform(3, -1.0, 1.0);
    Parameter w("w", t::to_tensor({7}, w0)), b("b", t::to_tensor({3}, b0));
    auto opt = make_opt(std::vector<Parameter*>{&w, &b});
    Ref ref_w = ref, ref_b = ref;
    std::vector<double> pw = w0, pb = b0;
    for (int s = 0; s < 5; ++s) {
        const t::Vec gw = rng.uniform(7, -2.0, 2.0), gb = rng.uniform(3, -2.0, 2.0);
        w.grad = t::to_tensor({7}, gw);
        b.grad = t::to_tensor({3}, gb);
        opt.step();
        ref_w.step(pw, gw);
        ref_b.step(pb, gb);
        t::check_forward(w.value, pw, what + " w after step " + std::to_string(s + 1));
        t::check_forward(b.value, pb, what + " b after step " + std::to_string(s + 1));
        // step() reads the gradients and leaves them alone.
        for (int64_t i = 0; i < 7; ++i) REQUIRE(w.grad.data()[i] == static_cast<float>(gw[static_cast<size_t>(i)]));
    }
}

}  // namespace

TEST_CASE("SGD hand-computed steps: plain, momentum, Nesterov, weight decay") {
    Parameter p = make_param("p", {1.0f, -2.0f});
    {
        nnfs::SGD sgd({&p}, {.lr = 0.1f});
        set_grad(p, {0.5f, 0.25f});
        sgd.step();
        CHECK(p.value.data()[0] == doctest::Approx(0.95));    // 1 - 0.1 * 0.5
        CHECK(p.value.data()[1] == doctest::Approx(-2.025));  // -2 - 0.1 * 0.25
        CHECK(sgd.velocity().empty());
    }
    {
        p.value = Tensor::from({2}, std::vector<float>{1.0f, -2.0f});
        nnfs::SGD sgd({&p}, {.lr = 0.1f, .momentum = 0.9f});
        set_grad(p, {0.5f, 0.0f});
        sgd.step();  // v = 0.5, p = 1 - 0.05
        CHECK(p.value.data()[0] == doctest::Approx(0.95));
        CHECK(sgd.velocity()[0].data()[0] == doctest::Approx(0.5));
        sgd.step();  // v = 0.9 * 0.5 + 0.5 = 0.95, p = 0.95 - 0.095
        CHECK(p.value.data()[0] == doctest::Approx(0.855));
        CHECK(p.value.data()[1] == -2.0f);  // zero gradient, zero velocity: untouched
    }
    {
        p.value = Tensor::from({2}, std::vector<float>{1.0f, -2.0f});
        nnfs::SGD sgd({&p}, {.lr = 0.1f, .momentum = 0.9f, .nesterov = true});
        set_grad(p, {0.5f, 0.0f});
        sgd.step();  // v = 0.5, g = 0.5 + 0.9 * 0.5 = 0.95, p = 1 - 0.095
        CHECK(p.value.data()[0] == doctest::Approx(0.905));
        sgd.step();  // v = 0.95, g = 0.5 + 0.9 * 0.95 = 1.355, p = 0.905 - 0.1355
        CHECK(p.value.data()[0] == doctest::Approx(0.7695));
    }
    {
        p.value = Tensor::from({2}, std::vector<float>{1.0f, -2.0f});
        nnfs::SGD sgd({&p}, {.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.1f});
        set_grad(p, {0.5f, 0.0f});
        sgd.step();  // g = 0.5 + 0.1 * 1 = 0.6, v = 0.6, p = 1 - 0.06
        CHECK(p.value.data()[0] == doctest::Approx(0.94));
        CHECK(p.value.data()[1] == doctest::Approx(-1.98));  // g = 0 + 0.1 * -2 = -0.2, p = -2 + 0.02
        sgd.step();  // g = 0.5 + 0.094 = 0.594, v = 0.54 + 0.594 = 1.134, p = 0.94 - 0.1134
        CHECK(p.value.data()[0] == doctest::Approx(0.8266));
    }
    {
        p.value = Tensor::from({2}, std::vector<float>{1.0f, -2.0f});
        nnfs::SGD sgd({&p}, {.lr = 0.0f, .momentum = 0.5f});
        set_grad(p, {0.5f, 1.0f});
        sgd.step();  // lr 0: nothing moves
        CHECK(p.value.data()[0] == 1.0f);
        CHECK(p.value.data()[1] == -2.0f);
        sgd.set_lr(0.2f);
        CHECK(sgd.lr() == 0.2f);
        sgd.step();  // v = 0.5 * 0.5 + 0.5 = 0.75, p = 1 - 0.15
        CHECK(p.value.data()[0] == doctest::Approx(0.85));
    }
}

TEST_CASE("Adam and AdamW hand-computed first steps") {
    // Step 1: m = (1 - b1) g, v = (1 - b2) g^2, so m / (1 - b1) = g and sqrt(v / (1 - b2)) = |g|:
    // p -= lr g / (|g| + eps), a step of lr against the sign of g.
    Parameter p = make_param("p", {1.0f, -2.0f, 0.5f});
    {
        nnfs::Adam adam({&p}, {.lr = 0.001f});
        set_grad(p, {0.5f, -3.0f, 0.0f});
        adam.step();
        CHECK(adam.step_count(0) == 1);
        CHECK(p.value.data()[0] == doctest::Approx(1.0 - 0.001 * 0.5 / (0.5 + 1e-8)).epsilon(1e-7));
        CHECK(p.value.data()[1] == doctest::Approx(-2.0 + 0.001 * 3.0 / (3.0 + 1e-8)).epsilon(1e-7));
        CHECK(p.value.data()[2] == 0.5f);  // zero gradient: m = 0, no move
        CHECK(adam.exp_avg()[0].data()[0] == doctest::Approx(0.05));
        CHECK(adam.exp_avg_sq()[0].data()[1] == doctest::Approx(0.009));
    }
    {
        // Adam's weight decay is added to the gradient: g = 0.5 + 0.1 * 1 = 0.6, still a step of lr.
        p.value = Tensor::from({3}, std::vector<float>{1.0f, -2.0f, 0.5f});
        nnfs::Adam adam({&p}, {.lr = 0.01f, .weight_decay = 0.1f});
        set_grad(p, {0.5f, 0.0f, 0.0f});
        adam.step();
        CHECK(p.value.data()[0] == doctest::Approx(0.99).epsilon(1e-6));
        // g = 0 + 0.1 * -2 = -0.2 for the second: a step of +lr.
        CHECK(p.value.data()[1] == doctest::Approx(-1.99).epsilon(1e-6));
    }
    {
        // AdamW decays the parameter first: p = 1 (1 - lr wd) - lr sign(g).
        p.value = Tensor::from({3}, std::vector<float>{1.0f, -2.0f, 0.5f});
        nnfs::AdamW adamw({&p}, {.lr = 0.01f, .weight_decay = 0.5f});
        set_grad(p, {0.5f, 0.0f, 0.0f});
        adamw.step();
        CHECK(p.value.data()[0] == doctest::Approx(1.0 * (1.0 - 0.005) - 0.01).epsilon(1e-6));
        CHECK(p.value.data()[1] == doctest::Approx(-2.0 * (1.0 - 0.005)).epsilon(1e-6));  // decay only
        CHECK(adamw.options().weight_decay == 0.5f);
    }
    {
        // AdamW's default weight decay is PyTorch's 0.01; Adam's is 0.
        nnfs::AdamW adamw({&p});
        CHECK(adamw.options().weight_decay == 0.01f);
        nnfs::Adam adam({&p});
        CHECK(adam.options().weight_decay == 0.0f);
        CHECK(adam.lr() == 0.001f);
    }
}

TEST_CASE("SGD, Adam and AdamW follow their documented rules over five steps") {
    using PV = std::vector<Parameter*>;
    check_trajectory([](PV ps) { return nnfs::SGD(std::move(ps), {.lr = 0.05f}); },
                     SgdRef{0.05, 0.0, 0.0, false, {}}, "SGD");
    check_trajectory([](PV ps) { return nnfs::SGD(std::move(ps), {.lr = 0.05f, .momentum = 0.9f}); },
                     SgdRef{0.05, 0.9, 0.0, false, {}}, "SGD momentum");
    check_trajectory(
        [](PV ps) { return nnfs::SGD(std::move(ps), {.lr = 0.05f, .momentum = 0.8f, .nesterov = true, .weight_decay = 0.01f}); },
        SgdRef{0.05, 0.8, 0.01, true, {}}, "SGD Nesterov weight decay");
    check_trajectory([](PV ps) { return nnfs::Adam(std::move(ps), {.lr = 0.01f}); },
                     AdamRef{0.01, 0.9, 0.999, 1e-8, 0.0, false, 0, {}, {}}, "Adam");
    check_trajectory(
        [](PV ps) { return nnfs::Adam(std::move(ps), {.lr = 0.02f, .beta1 = 0.8f, .beta2 = 0.99f, .eps = 1e-6f, .weight_decay = 0.1f}); },
        AdamRef{0.02, 0.8, 0.99, 1e-6, 0.1, false, 0, {}, {}}, "Adam weight decay");
    check_trajectory([](PV ps) { return nnfs::AdamW(std::move(ps), {.lr = 0.01f}); },
                     AdamRef{0.01, 0.9, 0.999, 1e-8, 0.01, true, 0, {}, {}}, "AdamW");
    check_trajectory([](PV ps) { return nnfs::AdamW(std::move(ps), {.lr = 0.03f, .beta1 = 0.5f, .weight_decay = 0.3f}); },
                     AdamRef{0.03, 0.5, 0.999, 1e-8, 0.3, true, 0, {}, {}}, "AdamW strong decay");
}

TEST_CASE("zero_grad clears every parameter's gradient") {
    Parameter a = make_param("a", {1.0f, 2.0f}), b = make_param("b", {3.0f});
    set_grad(a, {5.0f, 6.0f});
    set_grad(b, {7.0f});
    nnfs::SGD sgd({&a, &b});
    sgd.zero_grad();
    CHECK(a.grad.data()[0] == 0.0f);
    CHECK(a.grad.data()[1] == 0.0f);
    CHECK(b.grad.data()[0] == 0.0f);
    CHECK(sgd.parameters().size() == 2);
}

TEST_CASE("an optimizer over no parameters is an error, as in PyTorch") {
    using V = std::vector<Parameter*>;
    CHECK_THROWS_WITH_AS(nnfs::SGD(V{}, {.lr = 0.1f, .momentum = 0.9f}), doctest::Contains("SGD: empty parameter list"), nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::Adam(V{}), doctest::Contains("Adam: empty parameter list"), nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::AdamW(V{}), doctest::Contains("AdamW: empty parameter list"), nnfs::Error);
}

TEST_CASE("optimizer option validation raises nnfs::Error naming the optimizer and the value") {
    Parameter p = make_param("w", {1.0f, 2.0f});
    using V = std::vector<Parameter*>;
    CHECK_THROWS_WITH_AS(nnfs::SGD(V{&p}, {.lr = 0.1f, .nesterov = true}),
                         doctest::Contains("SGD: Nesterov momentum requires momentum > 0"), nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::SGD(V{&p}, {.lr = -0.1f}),
                         doctest::Contains("SGD: learning rate -0.1, expected a finite value >= 0"), nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::SGD(V{&p}, {.lr = NAN}), doctest::Contains("SGD: learning rate nan"), nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::SGD(V{&p}, {.lr = INFINITY}), doctest::Contains("SGD: learning rate inf"), nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::SGD(V{&p}, {.momentum = -0.5f}), doctest::Contains("SGD: momentum -0.5, expected >= 0"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::SGD(V{&p}, {.weight_decay = -1.0f}),
                         doctest::Contains("SGD: weight_decay -1, expected >= 0"), nnfs::Error);
    nnfs::SGD ok(V{&p});
    CHECK_THROWS_WITH_AS(ok.set_lr(-2.0f), doctest::Contains("SGD: learning rate -2"), nnfs::Error);
    CHECK(ok.lr() == 0.01f);

    CHECK_THROWS_WITH_AS(nnfs::Adam(V{&p}, {.lr = -1.0f}), doctest::Contains("Adam: learning rate -1"), nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::Adam(V{&p}, {.beta1 = 1.0f}), doctest::Contains("Adam: beta1 1, expected in [0, 1)"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::Adam(V{&p}, {.beta2 = -0.1f}), doctest::Contains("Adam: beta2 -0.1, expected in [0, 1)"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::Adam(V{&p}, {.eps = -1e-8f}), doctest::Contains("Adam: eps -1e-08, expected >= 0"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::Adam(V{&p}, {.weight_decay = -0.5f}),
                         doctest::Contains("Adam: weight_decay -0.5, expected >= 0"), nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::AdamW(V{&p}, {.lr = -1.0f}), doctest::Contains("AdamW: learning rate -1"), nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::AdamW(V{&p}, {.beta1 = 1.5f}), doctest::Contains("AdamW: beta1 1.5"), nnfs::Error);
    nnfs::Adam adam(V{&p});
    CHECK_THROWS_WITH_AS(adam.set_lr(NAN), doctest::Contains("Adam: learning rate nan"), nnfs::Error);
    adam.set_lr(0.5f);
    CHECK(adam.lr() == 0.5f);
}

TEST_CASE("optimizer misuse: null, repeated parameters and gradients of the wrong shape") {
    Parameter p = make_param("w", {1.0f, 2.0f}), q = make_param("b", {3.0f});
    using V = std::vector<Parameter*>;
    CHECK_THROWS_WITH_AS(nnfs::SGD(V{&p, nullptr}), doctest::Contains("SGD: parameter 1 is null"), nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::Adam(V{&p, &q, &p}), doctest::Contains("Adam: parameter 2 (w) appears more than once"),
                         nnfs::Error);
    nnfs::SGD sgd(V{&p, &q});
    p.grad = Tensor({3});
    CHECK_THROWS_WITH_AS(sgd.step(), doctest::Contains("SGD: gradient of w is [3], its value is [2]"), nnfs::Error);
    CHECK(p.value.data()[0] == 1.0f);  // nothing was updated
    nnfs::AdamW adamw(V{&q, &p});
    CHECK_THROWS_WITH_AS(adamw.step(), doctest::Contains("AdamW: gradient of w is [3], its value is [2]"), nnfs::Error);
    CHECK((adamw.step_count(0) == 0 && adamw.step_count(1) == 0));
    CHECK(q.value.data()[0] == 3.0f);
}
