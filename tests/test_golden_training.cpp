// End-to-end training against PyTorch: the same initial weights, batches and optimizer; the loss is
// compared at every step and the parameters (and BatchNorm's running statistics) at the end.
#include <doctest/doctest.h>

#include <span>
#include <string>
#include <vector>

#include "nnfs/nnfs.hpp"
#include "support/golden.hpp"

using nnfs::Tensor;
using nnfs::test::assign;
using nnfs::test::GoldenFile;
using nnfs::test::row;

namespace {

// Tolerances. Every step differs from PyTorch's by ulp-level rounding (GEMM summation order, softmax,
// Adam's coefficients, BatchNorm's x - mean); training carries those differences forward through the
// parameters. Measured: the MLP stays within 3e-7 (relative) of PyTorch over 24 steps; the BatchNorm net,
// fed raw inputs (feature means ~5 against spreads ~0.4, so BatchNorm's x - mean cancels), within 5e-6.
// rtol 1e-5 of each step's loss (atol 1e-7), and rtol 1e-5 / atol 1e-6 for the final parameters and
// running statistics, which are O(0.1..10).
constexpr double kLossRtol = 1e-5, kLossAtol = 1e-7, kParamRtol = 1e-5, kParamAtol = 1e-6;

// Runs `steps` training steps of net (zero_grad, forward, loss, backward, step) over the stored batches
// and compares with PyTorch's run p ("mlp" or "bn").
void train_and_compare(const GoldenFile& g, nnfs::test::Deviation& dev, const std::string& p, nnfs::Sequential& net,
                       nnfs::Optimizer& opt) {
    const Tensor xs = g.tensor(p + ".x");  // (batches, rows, features)
    const std::vector<int32_t> ys = g.indices(p + ".y");
    const Tensor losses = g.tensor(p + ".losses");
    const int64_t batches = xs.size(0), rows = xs.size(1), features = xs.size(2);
    const auto steps = static_cast<int64_t>(g.scalar("steps"));
    REQUIRE(losses.numel() == steps);
    REQUIRE(steps >= 20);

    nnfs::CrossEntropyLoss loss;
    for (int64_t step = 0; step < steps; ++step) {
        const int64_t b = step % batches;
        const Tensor x = Tensor::from({rows, features}, row(xs, b));
        const std::span<const int32_t> y(ys.data() + b * rows, static_cast<size_t>(rows));
        opt.zero_grad();
        const float value = loss.forward(net.forward(x), y);
        net.backward(loss.backward());
        opt.step();
        dev.check(value, losses.data()[step], kLossRtol, kLossAtol, p + " loss at step " + std::to_string(step + 1));
    }
    for (nnfs::Parameter* param : net.parameters()) {
        dev.check(param->value, g.tensor(p + ".final." + param->name), kParamRtol, kParamAtol, p + " final " + param->name);
    }
    for (nnfs::Buffer* buffer : net.buffers()) {
        dev.check(buffer->value, g.tensor(p + ".final." + buffer->name), kParamRtol, kParamAtol, p + " final " + buffer->name);
    }
}

// Copies PyTorch's initial state (parameters and buffers, by state_dict name) into net.
void load_initial(const GoldenFile& g, const std::string& p, nnfs::Sequential& net) {
    for (nnfs::Parameter* param : net.parameters()) assign(param->value, g.tensor(p + ".init." + param->name));
    for (nnfs::Buffer* buffer : net.buffers()) assign(buffer->value, g.tensor(p + ".init." + buffer->name));
}

}  // namespace

TEST_CASE("MLP 4-8-3 trained with Adam follows PyTorch loss by loss") {
    const GoldenFile g(nnfs::test::golden_path("training.txt"));
    nnfs::test::Deviation dev("Training MLP + Adam");
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(4, 8);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::Linear>(8, 3);
    load_initial(g, "mlp", net);
    nnfs::Adam adam(net.parameters(), {.lr = g.tensor("mlp.hparams").data()[0]});
    train_and_compare(g, dev, "mlp", net, adam);
}

TEST_CASE("Linear-BatchNorm1d-ReLU-Linear trained with SGD momentum follows PyTorch loss by loss") {
    const GoldenFile g(nnfs::test::golden_path("training.txt"));
    nnfs::test::Deviation dev("Training BN net + SGD");
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(4, 8);
    net.emplace<nnfs::BatchNorm1d>(8);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::Linear>(8, 3);
    load_initial(g, "bn", net);
    const Tensor h = g.tensor("bn.hparams");  // [lr, momentum]
    nnfs::SGD sgd(net.parameters(), {.lr = h.data()[0], .momentum = h.data()[1]});
    train_and_compare(g, dev, "bn", net, sgd);
}
