// Linear: forward against the double reference, backward (dx, dW, db) against central differences,
// edge shapes, gradient accumulation, thread-count independence and misuse.
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nnfs/nnfs.hpp"
#include "support/reference.hpp"

using nnfs::Linear;
using nnfs::Shape;
using nnfs::Tensor;
namespace t = nnfs::test;

namespace {

t::ModuleReference linear_reference(int64_t batch, int64_t in, int64_t out) {
    return [=](const t::Vec& x, const std::vector<t::Vec>& p) { return t::linear(x, p[0], p[1], batch, in, out); };
}

// Gives the layer a random non-zero bias, so the bias really enters the forward.
void randomize_bias(Linear& layer, t::Rng& rng) {
    const Tensor b = rng.uniform_tensor(layer.bias().shape(), -0.5, 0.5);
    layer.bias().value = b;
}

void check_linear(int64_t batch, int64_t in, int64_t out, uint64_t seed) {
    t::Rng rng(seed);
    Linear layer(in, out);
    randomize_bias(layer, rng);
    const Tensor x = rng.uniform_tensor({batch, in}, -2.0, 2.0);
    const std::string what = "Linear(" + std::to_string(in) + " -> " + std::to_string(out) + ") batch " +
                             std::to_string(batch);
    t::check_module(layer, x, linear_reference(batch, in, out), what, seed + 1);
}

}  // namespace

TEST_CASE("Linear forward and backward match the double reference") {
    check_linear(4, 3, 5, 1);
    check_linear(8, 16, 16, 2);
}

TEST_CASE("Linear edge shapes: batch 1, one feature, primes, sizes off multiples of 16") {
    check_linear(1, 1, 1, 10);   // a scalar affine map
    check_linear(1, 7, 3, 11);   // batch 1
    check_linear(5, 1, 4, 12);   // one input feature
    check_linear(6, 4, 1, 13);   // one output feature
    check_linear(7, 13, 97, 14); // primes
    check_linear(97, 13, 7, 15);
    check_linear(17, 31, 33, 16);
    check_linear(33, 17, 31, 17);
}

TEST_CASE("Linear on an empty batch returns an empty output and leaves the gradients unchanged") {
    Linear layer(5, 3);
    const Tensor x({0, 5});
    const Tensor& y = layer.forward(x);
    CHECK(y.shape() == Shape{0, 3});
    layer.zero_grad();
    const Tensor& dx = layer.backward(Tensor({0, 3}));
    CHECK(dx.shape() == Shape{0, 5});
    for (float g : layer.weight().grad.span()) CHECK(g == 0.0f);
    for (float g : layer.bias().grad.span()) CHECK(g == 0.0f);
}

TEST_CASE("Linear gradients accumulate across backward calls until zero_grad") {
    t::Rng rng(21);
    Linear layer(6, 4);
    const Tensor x = rng.uniform_tensor({5, 6}, -1.0, 1.0);
    const Tensor r = rng.uniform_tensor({5, 4}, -1.0, 1.0);
    layer.forward(x);
    layer.zero_grad();
    layer.backward(r);
    const Tensor dw1 = layer.weight().grad, db1 = layer.bias().grad;
    layer.backward(r);
    // Adding a float to itself is exact: the second call must give exactly twice the first.
    for (int64_t i = 0; i < dw1.numel(); ++i) CHECK(layer.weight().grad.data()[i] == 2.0f * dw1.data()[i]);
    for (int64_t i = 0; i < db1.numel(); ++i) CHECK(layer.bias().grad.data()[i] == 2.0f * db1.data()[i]);
    // A different upstream gradient adds its own contribution.
    const Tensor r2 = rng.uniform_tensor({5, 4}, -1.0, 1.0);
    layer.zero_grad();
    layer.backward(r2);
    const Tensor dw2 = layer.weight().grad;
    layer.zero_grad();
    layer.backward(r);
    layer.backward(r2);
    std::vector<double> sum(static_cast<size_t>(dw1.numel()));
    for (size_t i = 0; i < sum.size(); ++i) sum[i] = double{dw1.data()[i]} + double{dw2.data()[i]};
    t::check_forward(layer.weight().grad, sum, "dW(r) + dW(r2)");

    layer.zero_grad();
    for (float g : layer.weight().grad.span()) CHECK(g == 0.0f);
    for (float g : layer.bias().grad.span()) CHECK(g == 0.0f);
}

TEST_CASE("Linear results do not depend on the thread count") {
    t::Rng rng(31);
    const Tensor x = rng.uniform_tensor({67, 45}, -1.0, 1.0);
    const Tensor r = rng.uniform_tensor({67, 29}, -1.0, 1.0);
    const int saved = nnfs::get_num_threads();
    std::vector<Tensor> y, dx, dw, db;
    for (int threads : {1, 2, 3}) {
        nnfs::set_num_threads(threads);
        CHECK(nnfs::get_num_threads() == threads);
        nnfs::manual_seed(5);
        Linear layer(45, 29);
        y.push_back(layer.forward(x));
        dx.push_back(layer.backward(r));
        dw.push_back(layer.weight().grad);
        db.push_back(layer.bias().grad);
    }
    nnfs::set_num_threads(saved);
    for (size_t k = 1; k < y.size(); ++k) {
        for (int64_t i = 0; i < y[0].numel(); ++i) REQUIRE(y[k].data()[i] == y[0].data()[i]);
        for (int64_t i = 0; i < dx[0].numel(); ++i) REQUIRE(dx[k].data()[i] == dx[0].data()[i]);
        for (int64_t i = 0; i < dw[0].numel(); ++i) REQUIRE(dw[k].data()[i] == dw[0].data()[i]);
        for (int64_t i = 0; i < db[0].numel(); ++i) REQUIRE(db[k].data()[i] == db[0].data()[i]);
    }
}

TEST_CASE("set_num_threads rejects fewer than one thread") {
    const int saved = nnfs::get_num_threads();
    CHECK_THROWS_WITH_AS(nnfs::set_num_threads(0), doctest::Contains("0 threads"), nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::set_num_threads(-3), doctest::Contains("-3 threads"), nnfs::Error);
    CHECK(nnfs::get_num_threads() == saved);
}

TEST_CASE("Linear parameters: shapes, names, order") {
    Linear layer(7, 3);
    CHECK(layer.weight().shape() == Shape{3, 7});
    CHECK(layer.bias().shape() == Shape{3});
    const auto params = layer.parameters();
    REQUIRE(params.size() == 2);
    CHECK(params[0] == &layer.weight());
    CHECK(params[1] == &layer.bias());
    CHECK(params[0]->name == "weight");
    CHECK(params[1]->name == "bias");
    CHECK(layer.is_training());
    CHECK(layer.name() == "Linear(7 -> 3)");
}

TEST_CASE("Linear misuse raises nnfs::Error naming the layer and the shapes") {
    Linear layer(4, 3);
    CHECK_THROWS_WITH_AS(layer.backward(Tensor({2, 3})), doctest::Contains("Linear(4 -> 3): backward called before forward"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(layer.forward(Tensor({2, 5})), doctest::Contains("Linear(4 -> 3): input [2, 5], expected [*, 4]"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(layer.forward(Tensor({4})), doctest::Contains("input [4]"), nnfs::Error);
    CHECK_THROWS_WITH_AS(layer.forward(Tensor({2, 2, 4})), doctest::Contains("input [2, 2, 4]"), nnfs::Error);
    layer.forward(Tensor({2, 4}));
    CHECK_THROWS_WITH_AS(layer.backward(Tensor({2, 4})),
                         doctest::Contains("Linear(4 -> 3): grad_output [2, 4], expected [2, 3]"), nnfs::Error);
    CHECK_THROWS_WITH_AS(layer.backward(Tensor({3, 3})), doctest::Contains("grad_output [3, 3], expected [2, 3]"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(Linear(0, 3), doctest::Contains("Linear(0 -> 3)"), nnfs::Error);
    CHECK_THROWS_WITH_AS(Linear(3, -1), doctest::Contains("Linear(3 -> -1)"), nnfs::Error);
}

TEST_CASE("Linear backward uses the input of its forward, even after the caller's tensor is gone") {
    t::Rng rng(41);
    Linear a(5, 3), b(5, 3);
    b.weight().value = a.weight().value;
    const Tensor x = rng.uniform_tensor({4, 5}, -1.0, 1.0);
    const Tensor r = rng.uniform_tensor({4, 3}, -1.0, 1.0);
    a.forward(x);
    a.backward(r);
    {
        auto scratch = std::make_unique<Tensor>(x);
        b.forward(*scratch);
        scratch->fill(100.0f);  // overwritten, then freed before the backward
    }
    b.backward(r);
    for (int64_t i = 0; i < a.weight().grad.numel(); ++i) CHECK(b.weight().grad.data()[i] == a.weight().grad.data()[i]);
}
