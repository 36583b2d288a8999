// Dropout: the fraction zeroed (binomial bound), survivors scaled by exactly 1 / (1 - p), backward
// through the same mask, evaluation is the identity, p = 0 and p = 1, reproducibility under
// nnfs::manual_seed, edge shapes and misuse.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "nnfs/nnfs.hpp"
#include "support/reference.hpp"

using nnfs::Dropout;
using nnfs::Shape;
using nnfs::Tensor;
namespace t = nnfs::test;

namespace {

// Values with |x| in [0.5, 2): never zero, so a zero output means a dropped element.
Tensor nonzero_input(const Shape& shape, uint64_t seed) {
    t::Rng rng(seed);
    return t::to_tensor(shape, rng.signed_away_from_zero(shape.numel(), 0.5, 2.0));
}

int64_t count_zeros(const Tensor& y) {
    int64_t zeros = 0;
    for (float v : y.span()) zeros += v == 0.0f ? 1 : 0;
    return zeros;
}

}  // namespace

TEST_CASE("Dropout in training zeroes a fraction p (binomial bound) and scales survivors by exactly 1/(1-p)") {
    const Shape shape{1024, 1024};
    const Tensor x = nonzero_input(shape, 1);
    const Tensor r = nonzero_input(shape, 2);
    nnfs::manual_seed(123);
    for (float p : {0.1f, 0.3f, 0.5f, 0.9f}) {
        CAPTURE(p);
        Dropout d(p);
        CHECK(d.p() == p);
        const Tensor y = d.forward(x);
        const double n = static_cast<double>(x.numel());
        const double zeros = static_cast<double>(count_zeros(y));
        // Zeros ~ Binomial(n, p): mean n p, sd sqrt(n p (1 - p)). Five sd: a false failure has
        // probability below 1e-6 (and the seed is fixed, so the test cannot flake).
        const double sd = std::sqrt(n * p * (1.0 - p));
        CHECK(std::abs(zeros - n * p) <= 5.0 * sd);
        const float scale = 1.0f / (1.0f - p);
        const Tensor& dx = d.backward(r);
        int64_t bad_forward = 0, bad_backward = 0;  // counted, so a failure reports how many
        for (int64_t i = 0; i < x.numel(); ++i) {
            const float yi = y.data()[i];
            if (yi == 0.0f) {
                bad_backward += dx.data()[i] != 0.0f;  // dropped: no gradient
            } else {
                bad_forward += yi != x.data()[i] * scale;             // survivor: exactly x / (1 - p), as float
                bad_backward += dx.data()[i] != r.data()[i] * scale;  // the same mask in the backward
            }
        }
        CHECK(bad_forward == 0);
        CHECK(bad_backward == 0);
    }
}

TEST_CASE("Dropout masks: reproducible under manual_seed, different for other seeds and successive calls") {
    const Tensor x = nonzero_input({37, 29}, 3);  // 1073 elements: not a multiple of Philox's 4
    Dropout d(0.5f);
    nnfs::manual_seed(7);
    const Tensor a1 = d.forward(x);
    const Tensor a2 = d.forward(x);
    nnfs::manual_seed(7);
    const Tensor b1 = d.forward(x);
    const Tensor b2 = d.forward(x);
    nnfs::manual_seed(8);
    const Tensor c1 = d.forward(x);
    int64_t same_seed_diff = 0, successive_diff = 0, other_seed_diff = 0;
    for (int64_t i = 0; i < x.numel(); ++i) {
        same_seed_diff += (a1.data()[i] != b1.data()[i]) + (a2.data()[i] != b2.data()[i]);
        successive_diff += (a1.data()[i] == 0.0f) != (a2.data()[i] == 0.0f);
        other_seed_diff += (a1.data()[i] == 0.0f) != (c1.data()[i] == 0.0f);
    }
    CHECK(same_seed_diff == 0);
    // Independent masks with p = 1/2 disagree on half the elements: 536 +- 16 (sd); require a third.
    CHECK(successive_diff > x.numel() / 3);
    CHECK(other_seed_diff > x.numel() / 3);

    // A fresh module after the same seed draws the same mask: the mask depends on the generator only.
    nnfs::manual_seed(7);
    Dropout e(0.5f);
    const Tensor e1 = e.forward(x);
    for (int64_t i = 0; i < x.numel(); ++i) REQUIRE(e1.data()[i] == a1.data()[i]);
}

TEST_CASE("Dropout masks do not depend on the thread count") {
    const Tensor x = nonzero_input({65, 33}, 4);
    const int saved = nnfs::get_num_threads();
    std::vector<Tensor> ys;
    for (int threads : {1, 2, 4}) {
        nnfs::set_num_threads(threads);
        nnfs::manual_seed(99);
        Dropout d(0.25f);
        ys.push_back(d.forward(x));
    }
    nnfs::set_num_threads(saved);
    for (size_t k = 1; k < ys.size(); ++k) {
        for (int64_t i = 0; i < x.numel(); ++i) REQUIRE(ys[k].data()[i] == ys[0].data()[i]);
    }
}

TEST_CASE("Dropout in evaluation, and with p = 0, is the identity in both directions") {
    const Tensor x = nonzero_input({13, 7}, 5);
    const Tensor r = nonzero_input({13, 7}, 6);
    Dropout eval_mode(0.5f);
    eval_mode.eval();
    Dropout p0(0.0f);
    for (Dropout* d : {&eval_mode, &p0}) {
        const Tensor& y = d->forward(x);
        REQUIRE(y.shape() == x.shape());
        for (int64_t i = 0; i < x.numel(); ++i) REQUIRE(y.data()[i] == x.data()[i]);
        const Tensor& dx = d->backward(r);
        for (int64_t i = 0; i < r.numel(); ++i) REQUIRE(dx.data()[i] == r.data()[i]);
    }
    // Back to training, the mask is used again.
    eval_mode.train();
    CHECK(count_zeros(eval_mode.forward(x)) > 0);
}

TEST_CASE("Dropout with p = 1 zeroes everything and passes no gradient") {
    const Tensor x = nonzero_input({9, 11}, 7);
    Dropout d(1.0f);
    const Tensor& y = d.forward(x);
    for (float v : y.span()) CHECK(v == 0.0f);
    const Tensor& dx = d.backward(nonzero_input({9, 11}, 8));
    for (float v : dx.span()) CHECK(v == 0.0f);
}

TEST_CASE("Dropout edge shapes: empty batch, a single element, any rank") {
    Dropout d(0.5f);
    CHECK(d.forward(Tensor({0, 5})).shape() == Shape{0, 5});
    CHECK(d.backward(Tensor({0, 5})).shape() == Shape{0, 5});
    // A single element is either dropped or doubled.
    nnfs::manual_seed(1);
    int dropped = 0;
    for (int k = 0; k < 64; ++k) {
        const float v = d.forward(Tensor::full({1, 1}, 3.0f)).data()[0];
        CHECK((v == 0.0f || v == 6.0f));
        dropped += v == 0.0f;
    }
    CHECK(dropped > 0);   // P(no drop in 64 draws) = 2^-64
    CHECK(dropped < 64);
    const Tensor x3 = nonzero_input({3, 5, 7}, 9);
    const Tensor& y3 = d.forward(x3);
    CHECK(y3.shape() == x3.shape());
}

TEST_CASE("Dropout misuse raises nnfs::Error naming the module and the shapes or values") {
    CHECK_THROWS_WITH_AS(Dropout(-0.1f), doctest::Contains("Dropout(p = -0.1): p must be in [0, 1]"), nnfs::Error);
    CHECK_THROWS_WITH_AS(Dropout(1.5f), doctest::Contains("Dropout(p = 1.5): p must be in [0, 1]"), nnfs::Error);
    CHECK_THROWS_WITH_AS(Dropout(NAN), doctest::Contains("p must be in [0, 1]"), nnfs::Error);
    Dropout d(0.5f);
    CHECK_THROWS_WITH_AS(d.backward(Tensor({2, 3})), doctest::Contains("Dropout(p = 0.5): backward called before forward"),
                         nnfs::Error);
    d.forward(Tensor({2, 3}));
    CHECK_THROWS_WITH_AS(d.backward(Tensor({3, 2})),
                         doctest::Contains("Dropout(p = 0.5): grad_output [3, 2], expected [2, 3]"), nnfs::Error);
    d.eval();
    d.forward(Tensor({2, 3}));
    CHECK_THROWS_WITH_AS(d.backward(Tensor({2, 4})), doctest::Contains("grad_output [2, 4], expected [2, 3]"),
                         nnfs::Error);
    CHECK(d.parameters().empty());
}
