// Optimizer trajectories against PyTorch: two parameters (5x3 and 7), a fixed sequence of 15 gradients
// (magnitudes 1e-4 .. 10, one all-zero step), the parameters compared after every step.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "nnfs/nnfs.hpp"
#include "support/golden.hpp"

using nnfs::Tensor;
using nnfs::test::assign;
using nnfs::test::GoldenFile;
using nnfs::test::row;

namespace {

// Runs the optimizer made by `make` over the stored gradients and compares every step.
//
// Tolerances: each step is a handful of float32 operations per element, but PyTorch forms some
// coefficients in double (1 - beta1, bias corrections, 1 - lr wd) and rounds them once, the library in
// float: ulp-level differences in the update, which momentum and Adam's state carry forward. Parameters
// move by <= lr per step (Adam) or lr |g| (SGD), so after 15 steps the drift stays far below rtol 1e-5 of
// the value. atol covers values passing near zero: 1e-6 for p0, which is O(1) (~10 ulps), and 1e-8 for
// p1, which starts at O(0.01) so that the comparison is nearly a relative check of the updates.
// late: p1 has no gradient (has_grad false, grad zero, as after zero_grad(true)) for its first `late`
// steps.
template <class Make>
void check_trajectory(const GoldenFile& g, nnfs::test::Deviation& dev, const std::string& name, Make make, int64_t late = 0) {
    CAPTURE(name);
    nnfs::Parameter p0("p0", g.tensor("p0")), p1("p1", g.tensor("p1"));
    std::unique_ptr<nnfs::Optimizer> opt = make(std::vector<nnfs::Parameter*>{&p0, &p1});
    const Tensor grad0 = g.tensor("grad0"), grad1 = g.tensor("grad1");
    const Tensor want0 = g.tensor(name + ".p0"), want1 = g.tensor(name + ".p1");
    const int64_t steps = grad0.size(0);
    REQUIRE(steps >= 12);
    for (int64_t t = 0; t < steps; ++t) {
        // The optimizer must only read grads: set them afresh each step, as the generator does.
        assign(p0.grad, Tensor::from(p0.value.shape(), row(grad0, t)));
        assign(p1.grad, t < late ? Tensor::zeros(p1.value.shape()) : Tensor::from(p1.value.shape(), row(grad1, t)));
        // Assigned gradients exist (PyTorch: p.grad is not None), the all-zero step's included.
        p0.has_grad = true;
        p1.has_grad = t >= late;
        opt->step();
        const std::string step = name + " step " + std::to_string(t + 1);
        dev.check(p0.value.span(), row(want0, t), 1e-5, 1e-6, step + " p0");
        dev.check(p1.value.span(), row(want1, t), 1e-5, 1e-8, step + " p1");
    }
}

}  // namespace

TEST_CASE("SGD trajectories match PyTorch") {
    const GoldenFile g(nnfs::test::golden_path("optimizers.txt"));
    nnfs::test::Deviation dev("SGD");
    for (const std::string name : {"sgd_plain", "sgd_wd", "sgd_momentum", "sgd_nesterov", "sgd_nesterov_wd"}) {
        const Tensor h = g.tensor(name + ".hparams");  // [lr, momentum, nesterov, weight_decay]
        const nnfs::SGDOptions o{.lr = h.data()[0], .momentum = h.data()[1], .nesterov = h.data()[2] != 0.0f,
                                 .weight_decay = h.data()[3]};
        check_trajectory(g, dev, name, [&](std::vector<nnfs::Parameter*> ps) { return std::make_unique<nnfs::SGD>(ps, o); });
    }
}

TEST_CASE("Adam and AdamW trajectories match PyTorch") {
    const GoldenFile g(nnfs::test::golden_path("optimizers.txt"));
    nnfs::test::Deviation dev("Adam/AdamW");
    for (const std::string name : {"adam_default", "adam_wd", "adam_betas", "adamw_default", "adamw_wd"}) {
        const Tensor h = g.tensor(name + ".hparams");  // [lr, beta1, beta2, eps, weight_decay]
        const float* v = h.data();
        if (name.rfind("adamw", 0) == 0) {
            const nnfs::AdamWOptions o{.lr = v[0], .beta1 = v[1], .beta2 = v[2], .eps = v[3], .weight_decay = v[4]};
            check_trajectory(g, dev, name, [&](std::vector<nnfs::Parameter*> ps) { return std::make_unique<nnfs::AdamW>(ps, o); });
        } else {
            const nnfs::AdamOptions o{.lr = v[0], .beta1 = v[1], .beta2 = v[2], .eps = v[3], .weight_decay = v[4]};
            check_trajectory(g, dev, name, [&](std::vector<nnfs::Parameter*> ps) { return std::make_unique<nnfs::Adam>(ps, o); });
        }
    }
}

// Found by a differential test against PyTorch: Adam kept one step count for all parameters, so a
// parameter whose first gradient came after others' steps had its bias corrections from the shared count
// (0.04 off after 3 steps). PyTorch counts per parameter, as do momentum buffers (SGD's was right).
TEST_CASE("a parameter whose first gradient comes late starts its own optimizer state then, as PyTorch") {
    const GoldenFile g(nnfs::test::golden_path("optimizers.txt"));
    nnfs::test::Deviation dev("late start");
    const auto late = static_cast<int64_t>(g.tensor("late_steps").data()[0]);
    REQUIRE(late >= 2);
    const Tensor ha = g.tensor("late_adam_wd.hparams"), hw = g.tensor("late_adamw_wd.hparams"),
                 hs = g.tensor("late_sgd_nesterov_wd.hparams");
    const float* v = ha.data();  // [lr, beta1, beta2, eps, weight_decay]
    const nnfs::AdamOptions a{.lr = v[0], .beta1 = v[1], .beta2 = v[2], .eps = v[3], .weight_decay = v[4]};
    check_trajectory(g, dev, "late_adam_wd", [&](std::vector<nnfs::Parameter*> ps) { return std::make_unique<nnfs::Adam>(ps, a); }, late);
    v = hw.data();
    const nnfs::AdamWOptions w{.lr = v[0], .beta1 = v[1], .beta2 = v[2], .eps = v[3], .weight_decay = v[4]};
    check_trajectory(g, dev, "late_adamw_wd", [&](std::vector<nnfs::Parameter*> ps) { return std::make_unique<nnfs::AdamW>(ps, w); }, late);
    v = hs.data();  // [lr, momentum, nesterov, weight_decay]
    const nnfs::SGDOptions s{.lr = v[0], .momentum = v[1], .nesterov = v[2] != 0.0f, .weight_decay = v[3]};
    check_trajectory(g, dev, "late_sgd_nesterov_wd", [&](std::vector<nnfs::Parameter*> ps) { return std::make_unique<nnfs::SGD>(ps, s); }, late);
    // The counts themselves: p0 stepped every time, p1 from its first gradient on.
    nnfs::Parameter p0("p0", Tensor::zeros({2})), p1("p1", Tensor::zeros({3}));
    nnfs::Adam opt({&p0, &p1});
    for (int t = 0; t < 3; ++t) {
        p0.grad.data()[0] = 1.0f;
        p0.has_grad = true;
        if (t == 2) {
            p1.grad.data()[0] = 1.0f;
            p1.has_grad = true;
        }
        opt.step();
    }
    CHECK(opt.step_count(0) == 3);
    CHECK(opt.step_count(1) == 1);
}

TEST_CASE("default options are PyTorch's") {
    // The generator stored torch's defaults for the *_default configurations; the library's must agree.
    const GoldenFile g(nnfs::test::golden_path("optimizers.txt"));
    const Tensor adam = g.tensor("adam_default.hparams"), adamw = g.tensor("adamw_default.hparams");
    const nnfs::AdamOptions a{};
    const nnfs::AdamWOptions w{};
    CHECK(a.lr == adam.data()[0]);
    CHECK(a.beta1 == adam.data()[1]);
    CHECK(a.beta2 == adam.data()[2]);
    CHECK(a.eps == adam.data()[3]);
    CHECK(a.weight_decay == adam.data()[4]);
    CHECK(w.lr == adamw.data()[0]);
    CHECK(w.beta1 == adamw.data()[1]);
    CHECK(w.beta2 == adamw.data()[2]);
    CHECK(w.eps == adamw.data()[3]);
    CHECK(w.weight_decay == adamw.data()[4]);
}
