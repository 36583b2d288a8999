// BatchNorm1d against PyTorch: training forward/backward, running statistics, eval forward/backward.
#include <doctest/doctest.h>

#include <string>

#include "nnfs/nnfs.hpp"
#include "support/golden.hpp"

using nnfs::Tensor;
using nnfs::test::assign;

// Tolerances. Batch statistics are sums over <= 37 rows: a few ulps each. y and dx go through
// (x - mean) * invstd, and x - mean cancels: its rounding error is ~ulp(|x|), which invstd magnifies
// by |x| / std. The worst case here is train_n2_c3 feature 1 (mean 1.94, std 0.019): there PyTorch's
// own y is 2e-6 (relative) off the float64 value, and the library differs from PyTorch by 6e-6, within
// rtol 1e-5. atol 2e-6 covers outputs near 0, and the backward's two reductions (sum dy, sum dy xhat),
// which cancel in the same way.
constexpr double kRtol = 1e-5, kAtol = 2e-6;

TEST_CASE("BatchNorm1d training forward and backward match PyTorch") {
    const nnfs::test::GoldenFile g(nnfs::test::golden_path("batchnorm.txt"));
    nnfs::test::Deviation dev("BatchNorm1d train");
    struct Case { int64_t n, c; };
    for (const Case k : {Case{2, 3}, Case{16, 5}, Case{37, 11}}) {
        std::string p = "train_n";
        p += std::to_string(k.n) + "_c" + std::to_string(k.c) + ".";
        CAPTURE(p);
        nnfs::BatchNorm1d bn(k.c);  // eps 1e-5, momentum 0.1, as torch.nn.BatchNorm1d
        assign(bn.weight().value, g.tensor(p + "weight"));
        assign(bn.bias().value, g.tensor(p + "bias"));
        dev.check(bn.forward(g.tensor(p + "x")), g.tensor(p + "y"), kRtol, kAtol, p + "y");
        dev.check(bn.backward(g.tensor(p + "dy")), g.tensor(p + "dx"), kRtol, kAtol, p + "dx");
        dev.check(bn.weight().grad, g.tensor(p + "dweight"), kRtol, kAtol, p + "dweight");
        dev.check(bn.bias().grad, g.tensor(p + "dbias"), kRtol, kAtol, p + "dbias");
        dev.check(bn.running_mean(), g.tensor(p + "running_mean"), kRtol, kAtol, p + "running_mean");
        dev.check(bn.running_var(), g.tensor(p + "running_var"), kRtol, kAtol, p + "running_var");
    }
}

TEST_CASE("BatchNorm1d running statistics and eval mode match PyTorch") {
    const nnfs::test::GoldenFile g(nnfs::test::golden_path("batchnorm.txt"));
    nnfs::test::Deviation dev("BatchNorm1d running stats + eval");
    for (const std::string name : {"stats_m0.1_e1e-5", "stats_m0.3_e1e-3"}) {
        const std::string p = name + ".";
        CAPTURE(p);
        const Tensor hp = g.tensor(p + "hparams");  // [eps, momentum]
        const Tensor gamma = g.tensor(p + "weight");
        nnfs::BatchNorm1d bn(gamma.numel(), hp.data()[0], hp.data()[1]);
        assign(bn.weight().value, gamma);
        assign(bn.bias().value, g.tensor(p + "bias"));
        for (const std::string step : {"1", "2", "3"}) {
            dev.check(bn.forward(g.tensor(p + "x" + step)), g.tensor(p + "y" + step), kRtol, kAtol, p + "y" + step);
            dev.check(bn.running_mean(), g.tensor(p + "running_mean" + step), kRtol, kAtol, p + "running_mean" + step);
            dev.check(bn.running_var(), g.tensor(p + "running_var" + step), kRtol, kAtol, p + "running_var" + step);
        }
        bn.eval();
        bn.zero_grad();
        dev.check(bn.forward(g.tensor(p + "eval_x")), g.tensor(p + "eval_y"), kRtol, kAtol, p + "eval_y");
        dev.check(bn.backward(g.tensor(p + "eval_dy")), g.tensor(p + "eval_dx"), kRtol, kAtol, p + "eval_dx");
        dev.check(bn.weight().grad, g.tensor(p + "eval_dweight"), kRtol, kAtol, p + "eval_dweight");
        dev.check(bn.bias().grad, g.tensor(p + "eval_dbias"), kRtol, kAtol, p + "eval_dbias");
    }
}
