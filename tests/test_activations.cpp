// ReLU, Sigmoid, Tanh: forward against the double reference, backward against central differences,
// ReLU's gradient at exactly 0, edge shapes, extreme inputs and misuse.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "nnfs/nnfs.hpp"
#include "support/reference.hpp"

using nnfs::Shape;
using nnfs::Tensor;
namespace t = nnfs::test;

namespace {

struct Case {
    const char* name;
    std::unique_ptr<nnfs::Module> (*make)();
    t::Vec (*reference)(const t::Vec&);
};

const Case kCases[] = {
    {"ReLU", [] { return std::unique_ptr<nnfs::Module>(new nnfs::ReLU); }, &t::relu},
    {"Sigmoid", [] { return std::unique_ptr<nnfs::Module>(new nnfs::Sigmoid); }, &t::sigmoid},
    {"Tanh", [] { return std::unique_ptr<nnfs::Module>(new nnfs::Tanh); }, &t::tanh},
};

t::ModuleReference elementwise(t::Vec (*f)(const t::Vec&)) {
    return [f](const t::Vec& x, const std::vector<t::Vec>&) { return f(x); };
}

void check_shape(const Case& c, const Shape& shape, uint64_t seed) {
    t::Rng rng(seed);
    // |x| in [0.01, 4): away from ReLU's kink at 0 (1000 steps of the difference quotient) and
    // across the curved parts of sigmoid and tanh.
    const Tensor x = t::to_tensor(shape, rng.signed_away_from_zero(shape.numel(), 0.01, 4.0));
    auto m = c.make();
    t::check_module(*m, x, elementwise(c.reference), std::string(c.name) + " " + shape.str(), seed + 100);
}

}  // namespace

TEST_CASE("activations match the double reference and central differences on edge shapes") {
    for (const Case& c : kCases) {
        CAPTURE(std::string(c.name));
        check_shape(c, {4, 5}, 1);
        check_shape(c, {1, 1}, 2);
        check_shape(c, {1, 13}, 3);
        check_shape(c, {7, 1}, 4);
        check_shape(c, {7, 13}, 5);
        check_shape(c, {17, 33}, 6);
        check_shape(c, {97, 31}, 7);
        // Elementwise modules take any shape.
        check_shape(c, {31}, 8);
        check_shape(c, {3, 5, 7}, 9);
    }
}

TEST_CASE("activations on an empty batch return an empty output and gradient") {
    for (const Case& c : kCases) {
        CAPTURE(std::string(c.name));
        auto m = c.make();
        const Tensor& y = m->forward(Tensor({0, 5}));
        CHECK(y.shape() == Shape{0, 5});
        const Tensor& dx = m->backward(Tensor({0, 5}));
        CHECK(dx.shape() == Shape{0, 5});
    }
}

TEST_CASE("ReLU at exactly 0: output 0 and gradient exactly 0") {
    nnfs::ReLU relu;
    const std::vector<float> xs{0.0f, -0.0f, 1.0f, -1.0f, 0.0f, 1e-30f, -1e-30f};
    const Tensor x = Tensor::from({1, 7}, xs);
    const Tensor y = relu.forward(x);
    CHECK(y.data()[0] == 0.0f);
    CHECK(y.data()[1] == 0.0f);
    CHECK(y.data()[2] == 1.0f);
    CHECK(y.data()[3] == 0.0f);
    CHECK(y.data()[5] == 1e-30f);
    CHECK(y.data()[6] == 0.0f);
    const Tensor r = Tensor::full({1, 7}, 3.5f);
    const Tensor& dx = relu.backward(r);
    CHECK(dx.data()[0] == 0.0f);
    CHECK(dx.data()[1] == 0.0f);
    CHECK(dx.data()[2] == 3.5f);
    CHECK(dx.data()[3] == 0.0f);
    CHECK(dx.data()[4] == 0.0f);
    CHECK(dx.data()[5] == 3.5f);  // the tiniest positive input still passes the gradient
    CHECK(dx.data()[6] == 0.0f);
}

TEST_CASE("sigmoid and tanh at extreme logits: finite outputs, exact limits, finite gradients") {
    const std::vector<float> xs{1e4f, -1e4f, 100.0f, -100.0f, 0.0f, -0.0f, 20.0f, -20.0f};
    const Tensor x = Tensor::from({2, 4}, xs);
    const Tensor r = Tensor::from({2, 4}, std::vector<float>{0.5f, -1.5f, 2.0f, 1.0f, -3.0f, 0.75f, 1.0f, -1.0f});

    nnfs::Sigmoid sig;
    const Tensor ys = sig.forward(x);
    CHECK(ys.data()[0] == 1.0f);
    CHECK(ys.data()[1] == 0.0f);
    CHECK(ys.data()[2] == 1.0f);
    CHECK(ys.data()[3] >= 0.0f);
    CHECK(ys.data()[3] < 1e-40f);  // e^-100 = 3.7e-44, a float denormal
    CHECK(ys.data()[4] == 0.5f);
    CHECK(ys.data()[5] == 0.5f);
    for (float v : ys.span()) CHECK((std::isfinite(v) && v >= 0.0f && v <= 1.0f));
    const Tensor gs = sig.backward(r);
    for (float g : gs.span()) CHECK(std::isfinite(g));
    CHECK(gs.data()[0] == 0.0f);
    CHECK(gs.data()[1] == 0.0f);
    CHECK(gs.data()[2] == 0.0f);
    CHECK(std::abs(gs.data()[3]) < 1e-40f);
    CHECK(gs.data()[4] == -0.75f);  // sigmoid'(0) = 1/4, exact
    CHECK(gs.data()[5] == 0.1875f);

    nnfs::Tanh th;
    const Tensor yt = th.forward(x);
    CHECK(yt.data()[0] == 1.0f);
    CHECK(yt.data()[1] == -1.0f);
    CHECK(yt.data()[2] == 1.0f);
    CHECK(yt.data()[3] == -1.0f);
    CHECK(yt.data()[4] == 0.0f);
    const Tensor gt = th.backward(r);
    for (float g : gt.span()) CHECK(std::isfinite(g));
    for (int i = 0; i < 4; ++i) CHECK(gt.data()[i] == 0.0f);
    CHECK(gt.data()[4] == -3.0f);  // tanh'(0) = 1, exact
    CHECK(gt.data()[5] == 0.75f);

    // The same points through the reference and central differences (the step scales with |x|).
    // ReLU is left out: the points include its kink at 0 (checked exactly below and above).
    for (const Case& c : {kCases[1], kCases[2]}) {
        CAPTURE(std::string(c.name));
        auto m = c.make();
        t::check_module(*m, x, elementwise(c.reference), std::string(c.name) + " extremes", 3);
    }
}

TEST_CASE("ReLU at extreme inputs passes or blocks the gradient exactly") {
    nnfs::ReLU relu;
    const Tensor x = Tensor::from({1, 4}, std::vector<float>{1e4f, -1e4f, 100.0f, -100.0f});
    const Tensor y = relu.forward(x);
    CHECK(y.data()[0] == 1e4f);
    CHECK(y.data()[1] == 0.0f);
    CHECK(y.data()[2] == 100.0f);
    CHECK(y.data()[3] == 0.0f);
    const Tensor& dx = relu.backward(Tensor::from({1, 4}, std::vector<float>{2.0f, 3.0f, -4.0f, 5.0f}));
    CHECK(dx.data()[0] == 2.0f);
    CHECK(dx.data()[1] == 0.0f);
    CHECK(dx.data()[2] == -4.0f);
    CHECK(dx.data()[3] == 0.0f);
}

TEST_CASE("activation misuse raises nnfs::Error naming the module and the shapes") {
    for (const Case& c : kCases) {
        CAPTURE(std::string(c.name));
        auto m = c.make();
        const std::string name = c.name;
        CHECK_THROWS_WITH_AS(m->backward(Tensor({2, 3})), doctest::Contains((name + ": backward called before forward").c_str()),
                             nnfs::Error);
        m->forward(Tensor({2, 3}));
        CHECK_THROWS_WITH_AS(m->backward(Tensor({3, 2})),
                             doctest::Contains((name + ": grad_output [3, 2], expected [2, 3]").c_str()), nnfs::Error);
        CHECK_THROWS_WITH_AS(m->backward(Tensor({6})), doctest::Contains("grad_output [6], expected [2, 3]"),
                             nnfs::Error);
        CHECK(m->parameters().empty());
        CHECK(m->name() == name);
    }
}

// PyTorch's ReLU (torch 1.13: relu = clamp_min, backward = threshold_backward on the output):
//   relu([nan, -0, 0, -1, 2, inf, -inf]) = [nan, -0, 0, 0, 2, inf, 0]
//   grad with dy = 1:                       [1,   0,  0, 0, 1, 1,   0]
// and an infinite dy on the flat side gives 0, not NaN. The same on every ISA, through the module, the
// activation kernel and the SGEMM epilogue (every path).
TEST_CASE("ReLU propagates NaN and -0 and selects the gradient, as PyTorch does, on every path") {
    namespace k = nnfs::kernels;
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    const std::vector<float> x = {nan, -0.0f, 0.0f, -1.0f, 2.0f, inf, -inf};
    const k::Isa saved = k::current_isa();
    for (k::Isa isa : {k::Isa::Reference, k::Isa::SSE2, k::Isa::AVX2, k::Isa::AVX512}) {
        if (static_cast<int>(isa) > static_cast<int>(k::supported_isa())) continue;
        k::set_max_isa(isa);
        CAPTURE(std::string(k::isa_name(isa)));
        nnfs::ReLU relu;
        const Tensor y = relu.forward(Tensor::from({1, 7}, x));
        CHECK(std::isnan(y.data()[0]));
        CHECK((y.data()[1] == 0.0f && std::signbit(y.data()[1])));
        CHECK((y.data()[2] == 0.0f && !std::signbit(y.data()[2])));
        CHECK(y.data()[3] == 0.0f);
        CHECK(y.data()[4] == 2.0f);
        CHECK(y.data()[5] == inf);
        CHECK(y.data()[6] == 0.0f);
        const Tensor dx = relu.backward(Tensor::full({1, 7}, 1.0f));
        const float want[7] = {1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 1.0f, 0.0f};
        for (int i = 0; i < 7; ++i) CHECK_MESSAGE(dx.data()[i] == want[i], "x = " << x[static_cast<size_t>(i)]);
        const Tensor dx_inf = relu.backward(Tensor::full({1, 7}, inf));
        for (int i = 0; i < 7; ++i) CHECK(dx_inf.data()[i] == (want[i] == 0.0f ? 0.0f : inf));

        // SGEMM epilogue: C = relu(A 1) for a column A of the values, at M = 7 (direct and packed) and
        // at M <= 4 (small-M path). -0 becomes +0 in the accumulation (0 + -0 = +0), as in PyTorch's addmm.
        const float one = 1.0f;
        for (int64_t m : {int64_t{7}, int64_t{4}}) {
            std::vector<float> c(7, 123.0f);
            const int64_t off = m == 7 ? 0 : 3;  // M = 4: the last four values (NaN-free start at -1)
            k::sgemm_fused(k::Trans::No, k::Trans::No, m, 1, 1, 1.0f, x.data() + off, 1, &one, 1, 0.0f, c.data(), 1,
                           k::Epilogue{nullptr, k::Activation::ReLU});
            for (int64_t i = 0; i < m; ++i) {
                const float v = x[static_cast<size_t>(i + off)], got = c[static_cast<size_t>(i)];
                if (std::isnan(v))
                    CHECK(std::isnan(got));
                else
                    CHECK_MESSAGE(got == (v < 0.0f ? 0.0f : v), "x = " << v << ", M = " << m);
            }
        }
    }
    k::set_max_isa(saved);
}
