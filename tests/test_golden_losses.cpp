// Losses against PyTorch (mean reduction): loss value and dL/dprediction, including extreme inputs.
#include <doctest/doctest.h>

#include <string>

#include "nnfs/nnfs.hpp"
#include "support/golden.hpp"

using nnfs::Tensor;
using nnfs::test::Deviation;
using nnfs::test::GoldenFile;

// The loss is a mean of <= 592 terms, each within ulps of PyTorch's, summed in another order: rtol 1e-5;
// atol 1e-7 for losses that are (nearly) zero. The gradients are elementwise (one term each): rtol 1e-5
// leaves room for the ulp-level differences of the exp/log/softmax inside; atol 1e-8 covers probabilities
// that underflow (their gradient entries are tiny either way).
constexpr double kLossRtol = 1e-5, kLossAtol = 1e-7, kGradRtol = 1e-5, kGradAtol = 1e-8;

template <class Loss>
void check_elementwise(const GoldenFile& g, Deviation& dev, const std::string& p) {
    CAPTURE(p);
    Loss loss;
    dev.check(loss.forward(g.tensor(p + ".pred"), g.tensor(p + ".target")), g.scalar(p + ".loss"), kLossRtol,
              kLossAtol, p + ".loss");
    dev.check(loss.backward(), g.tensor(p + ".grad"), kGradRtol, kGradAtol, p + ".grad");
}

TEST_CASE("MSELoss matches PyTorch") {
    const GoldenFile g(nnfs::test::golden_path("losses.txt"));
    Deviation dev("MSELoss");
    for (const std::string p : {"mse", "mse_single"}) check_elementwise<nnfs::MSELoss>(g, dev, p);
}

TEST_CASE("BCELoss matches PyTorch, including probabilities of exactly 0 and 1") {
    // bce_edges: log(0) is clamped at -100, so loss terms are 100 t or 100 (1 - t); PyTorch's gradient
    // (x - t) / max(x (1 - x), 1e-12) is then +-1e12 / N where x (1 - x) = 0 and t != x.
    const GoldenFile g(nnfs::test::golden_path("losses.txt"));
    Deviation dev("BCELoss");
    for (const std::string p : {"bce_edges", "bce_random", "bce_hard"}) check_elementwise<nnfs::BCELoss>(g, dev, p);
}

TEST_CASE("BCEWithLogitsLoss matches PyTorch for logits up to +-1e4") {
    const GoldenFile g(nnfs::test::golden_path("losses.txt"));
    Deviation dev("BCEWithLogitsLoss");
    for (const std::string p : {"bcel_t0", "bcel_t1", "bcel_t0.3", "bcel_random"}) {
        check_elementwise<nnfs::BCEWithLogitsLoss>(g, dev, p);
    }
}

TEST_CASE("CrossEntropyLoss matches PyTorch with class indices and with probabilities") {
    const GoldenFile g(nnfs::test::golden_path("losses.txt"));
    Deviation dev("CrossEntropyLoss");
    // ce_10 has rows with +-1e4 logits, all-equal +-1e4 rows and targets on a -1e4 logit (loss 2e4).
    for (const std::string p : {"ce_10", "ce_batch1", "ce_class1", "ce_wide"}) {
        CAPTURE(p);
        nnfs::CrossEntropyLoss loss;
        const std::vector<int32_t> target = g.indices(p + ".target");
        dev.check(loss.forward(g.tensor(p + ".pred"), target), g.scalar(p + ".loss"), kLossRtol, kLossAtol, p + ".loss");
        dev.check(loss.backward(), g.tensor(p + ".grad"), kGradRtol, kGradAtol, p + ".grad");
    }
    nnfs::CrossEntropyLoss loss;
    dev.check(loss.forward(g.tensor("ce_prob.pred"), g.tensor("ce_prob.target")), g.scalar("ce_prob.loss"), kLossRtol,
              kLossAtol, "ce_prob.loss");
    dev.check(loss.backward(), g.tensor("ce_prob.grad"), kGradRtol, kGradAtol, "ce_prob.grad");
}
