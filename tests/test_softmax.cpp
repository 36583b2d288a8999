// Softmax over the last dimension: forward against the double reference, backward (the full
// Jacobian-vector product for an arbitrary upstream gradient) against central differences,
// edge shapes, extreme logits and misuse.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "nnfs/nnfs.hpp"
#include "support/reference.hpp"

using nnfs::Shape;
using nnfs::Softmax;
using nnfs::Tensor;
namespace t = nnfs::test;

namespace {

// Softmax of a tensor of any rank: rows of its last dimension.
t::ModuleReference softmax_reference(const Shape& shape) {
    const int64_t cols = shape[shape.dim() - 1];
    const int64_t rows = cols ? shape.numel() / cols : 0;
    return [=](const t::Vec& x, const std::vector<t::Vec>&) { return t::softmax(x, rows, cols); };
}

void check_shape(const Shape& shape, uint64_t seed, double lo = -3.0, double hi = 3.0) {
    t::Rng rng(seed);
    const Tensor x = rng.uniform_tensor(shape, lo, hi);
    Softmax sm;
    t::check_module(sm, x, softmax_reference(shape), "Softmax " + shape.str(), seed + 50);
    // Each row sums to 1.
    const Tensor& y = sm.forward(x);
    const int64_t cols = shape[shape.dim() - 1];
    for (int64_t i = 0; i < y.numel() / cols; ++i) {
        double s = 0.0;
        for (int64_t j = 0; j < cols; ++j) s += y.data()[i * cols + j];
        CHECK(s == doctest::Approx(1.0).epsilon(1e-6));
    }
}

}  // namespace

TEST_CASE("Softmax matches the double reference and central differences on edge shapes") {
    check_shape({4, 5}, 1);
    check_shape({1, 1}, 2);  // y = 1, gradient identically 0
    check_shape({1, 13}, 3);
    check_shape({7, 1}, 4);
    check_shape({13, 7}, 5);
    check_shape({17, 33}, 6);
    check_shape({97, 31}, 7);
    check_shape({31}, 8);        // one row, rank 1
    check_shape({2, 3, 5}, 9);   // over the last dimension of a 3-D tensor
    check_shape({3, 16}, 10, -30.0, 30.0);  // widely spread logits
}

TEST_CASE("Softmax of a single column is 1 with a zero gradient") {
    Softmax sm;
    const Tensor x = Tensor::from({3, 1}, std::vector<float>{-5.0f, 0.0f, 1e4f});
    const Tensor& y = sm.forward(x);
    for (float v : y.span()) CHECK(v == 1.0f);
    const Tensor& dx = sm.backward(Tensor::from({3, 1}, std::vector<float>{1.0f, -2.0f, 3.0f}));
    for (float g : dx.span()) CHECK(g == 0.0f);
}

TEST_CASE("Softmax on an empty batch returns an empty output and gradient") {
    Softmax sm;
    CHECK(sm.forward(Tensor({0, 5})).shape() == Shape{0, 5});
    CHECK(sm.backward(Tensor({0, 5})).shape() == Shape{0, 5});
}

TEST_CASE("Softmax at extreme logits: exact limits, finite gradients") {
    const std::vector<float> xs{1e4f, -1e4f, 0.0f,     // row 0: [1, 0, 0]
                                100.0f, -100.0f, 0.0f,  // row 1: [1, ~0, e^-100]
                                0.0f, 0.0f, 0.0f,       // row 2: uniform
                                1e4f, 1e4f, -1e4f,      // row 3: [1/2, 1/2, 0]
                                -1e4f, -1e4f, -1e4f};   // row 4: uniform despite the huge negative logits
    const Tensor x = Tensor::from({5, 3}, xs);
    Softmax sm;
    const Tensor y = sm.forward(x);
    for (float v : y.span()) CHECK((std::isfinite(v) && v >= 0.0f && v <= 1.0f));
    CHECK(y.t(0, 0) == 1.0f);
    CHECK(y.t(0, 1) == 0.0f);
    CHECK(y.t(0, 2) == 0.0f);
    CHECK(y.t(1, 0) == 1.0f);
    CHECK(y.t(1, 1) == 0.0f);
    CHECK(y.t(1, 2) < 1e-40f);
    for (int j = 0; j < 3; ++j) CHECK(y.t(2, j) == doctest::Approx(1.0 / 3.0).epsilon(1e-6));
    CHECK(y.t(3, 0) == doctest::Approx(0.5).epsilon(1e-6));
    CHECK(y.t(3, 1) == doctest::Approx(0.5).epsilon(1e-6));
    CHECK(y.t(3, 2) == 0.0f);
    for (int j = 0; j < 3; ++j) CHECK(y.t(4, j) == doctest::Approx(1.0 / 3.0).epsilon(1e-6));

    const Tensor r = Tensor::from({5, 3}, std::vector<float>{1, -2, 3, -1, 2, 0.5f, 1, 2, 3, 1, -1, 4, 2, 0, -2});
    const Tensor dx = sm.backward(r);
    for (float g : dx.span()) CHECK(std::isfinite(g));
    // A saturated row passes no gradient; [1/2, 1/2, 0] with upstream [1, -1, 4]: dx = y (dy - y.dy) = [1/2, -1/2, 0].
    for (int j = 0; j < 3; ++j) CHECK(dx.t(0, j) == 0.0f);
    CHECK(dx.t(3, 0) == doctest::Approx(0.5).epsilon(1e-6));
    CHECK(dx.t(3, 1) == doctest::Approx(-0.5).epsilon(1e-6));
    CHECK(dx.t(3, 2) == 0.0f);
    // Against central differences: a small relative step (1e-4 at |x| = 1e4) because softmax varies on
    // the scale of the differences of its logits, not on the scale of their magnitude.
    Softmax sm2;
    t::check_module(sm2, x, softmax_reference(x.shape()), "Softmax extremes", 11, 1e-8);
}

TEST_CASE("Softmax misuse raises nnfs::Error naming the module and the shapes") {
    Softmax sm;
    CHECK_THROWS_WITH_AS(sm.backward(Tensor({2, 3})), doctest::Contains("Softmax: backward called before forward"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(sm.forward(Tensor(Shape{})), doctest::Contains("Softmax: input [] has no last dimension"),
                         nnfs::Error);
    sm.forward(Tensor({2, 3}));
    CHECK_THROWS_WITH_AS(sm.backward(Tensor({2, 4})), doctest::Contains("Softmax: grad_output [2, 4], expected [2, 3]"),
                         nnfs::Error);
}
