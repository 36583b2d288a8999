// Linear against PyTorch: y, dx, dW, db for several shapes, and gradient accumulation.
#include <doctest/doctest.h>

#include <string>

#include "nnfs/nnfs.hpp"
#include "support/golden.hpp"

using nnfs::Tensor;
using nnfs::test::assign;

TEST_CASE("Linear matches PyTorch") {
    const nnfs::test::GoldenFile g(nnfs::test::golden_path("linear.txt"));
    nnfs::test::Deviation dev("Linear");
    struct Case { int64_t batch, in, out; };
    for (const Case c : {Case{1, 1, 1}, Case{7, 5, 3}, Case{32, 4, 16}, Case{13, 17, 11}, Case{64, 100, 37}}) {
        std::string p = "b";  // "b7_i5_o3."; built with += (GCC 12 warns falsely on "b" + std::string)
        p += std::to_string(c.batch) + "_i" + std::to_string(c.in) + "_o" + std::to_string(c.out) + ".";
        CAPTURE(p);
        nnfs::Linear lin(c.in, c.out);
        assign(lin.weight().value, g.tensor(p + "weight"));
        assign(lin.bias().value, g.tensor(p + "bias"));
        const Tensor x = g.tensor(p + "x"), dy = g.tensor(p + "dy");

        // Each output is a dot product of length `in` (dx: `out`, dW: `batch`) summed in another order
        // than PyTorch's BLAS: a few float32 roundings per term. rtol 1e-5 covers ~80 ulps; atol 1e-5
        // covers outputs that cancel to near zero (terms are O(1), so the summation error is ~1e-6).
        const double rtol = 1e-5, atol = 1e-5;
        dev.check(lin.forward(x), g.tensor(p + "y"), rtol, atol, p + "y");
        dev.check(lin.backward(dy), g.tensor(p + "dx"), rtol, atol, p + "dx");
        dev.check(lin.weight().grad, g.tensor(p + "dweight"), rtol, atol, p + "dweight");
        dev.check(lin.bias().grad, g.tensor(p + "dbias"), rtol, atol, p + "dbias");

        // A second forward/backward adds into the grads (PyTorch: .grad accumulates).
        lin.forward(x);
        lin.backward(dy);
        dev.check(lin.weight().grad, g.tensor(p + "dweight_twice"), rtol, atol, p + "dweight_twice");
        dev.check(lin.bias().grad, g.tensor(p + "dbias_twice"), rtol, atol, p + "dbias_twice");
    }
}
