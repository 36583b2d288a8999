// ReLU, Sigmoid, Tanh and Softmax against PyTorch, including extreme inputs.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "nnfs/nnfs.hpp"
#include "support/golden.hpp"

using nnfs::Tensor;

static double max_abs(const Tensor& t) {
    double m = 0;
    for (float v : t.span()) m = std::max(m, static_cast<double>(std::abs(v)));
    return m;
}

TEST_CASE("ReLU, Sigmoid and Tanh match PyTorch") {
    const nnfs::test::GoldenFile g(nnfs::test::golden_path("activations.txt"));
    nnfs::test::Deviation dev("ReLU/Sigmoid/Tanh");
    const Tensor x = g.tensor("x"), dy = g.tensor("dy");
    struct Case { const char* name; std::unique_ptr<nnfs::Module> module; };
    Case cases[] = {{"relu", std::make_unique<nnfs::ReLU>()},
                    {"sigmoid", std::make_unique<nnfs::Sigmoid>()},
                    {"tanh", std::make_unique<nnfs::Tanh>()}};
    for (auto& c : cases) {
        const std::string p = c.name;
        // Elementwise functions of one input: a correctly implemented expf/tanhf is within a few ulps
        // of PyTorch's (rtol 1e-6 is ~8 ulps). atol 1e-37 only forgives differences among subnormal
        // results (sigmoid(-88), sigmoid(-100)), where relative precision does not exist.
        dev.check(c.module->forward(x), g.tensor(p + ".y"), 1e-6, 1e-37, p + ".y");
        // dx = dy * f'(y) from the kept y. For tanh, f'(y) = 1 - y*y cancels as |y| -> 1: y*y is rounded
        // to float32 first (absolute error up to 2^-24) unless the compiler fuses it into an FMA, as
        // PyTorch's AVX2 kernel does. That absolute error, times |dy|, is the atol; 1e-37 elsewhere.
        const double atol = p == "tanh" ? 0x1p-24 * max_abs(dy) : 1e-37;
        dev.check(c.module->backward(dy), g.tensor(p + ".dx"), 1e-6, atol, p + ".dx");
    }
}

TEST_CASE("Softmax matches PyTorch") {
    const nnfs::test::GoldenFile g(nnfs::test::golden_path("softmax.txt"));
    nnfs::test::Deviation dev("Softmax");
    for (const std::string p : {"wide", "column", "random"}) {
        nnfs::Softmax softmax;
        // y = exp(x - max) / sum: the exp is within ulps, the sum over <= 33 terms adds a few ulps.
        // atol 1e-37: probabilities that underflow to (sub)normal tiny values.
        dev.check(softmax.forward(g.tensor(p + ".x")), g.tensor(p + ".y"), 1e-5, 1e-37, p + ".y");
        // dx_i = y_i (dy_i - sum_k dy_k y_k): the difference can cancel, so its absolute error is
        // bounded by ~1e-7 * max|dy| (dy is O(1)) times y_i; atol 1e-7 covers that.
        dev.check(softmax.backward(g.tensor(p + ".dy")), g.tensor(p + ".dx"), 1e-5, 1e-7, p + ".dx");
    }
}
