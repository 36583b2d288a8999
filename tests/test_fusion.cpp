// Sequential's fused Linear + activation pass and the skipped input gradient give the results of
// the layer-by-layer computation.
#include <doctest/doctest.h>

#include <utility>
#include <vector>

#include "nnfs/nnfs.hpp"
#include "support/tolerance.hpp"

namespace {

template <class Act>
void check_fused_matches_layer_by_layer() {
    nnfs::manual_seed(4);
    nnfs::Sequential net;
    auto& l1 = net.emplace<nnfs::Linear>(13, 21);
    auto& a1 = net.emplace<Act>();
    auto& l2 = net.emplace<nnfs::Linear>(21, 5);
    nnfs::Tensor x({9, 13});
    nnfs::kernels::uniform_fill(x.data(), x.numel(), -2.0f, 2.0f, 5, 0);
    nnfs::Tensor dy({9, 5});
    nnfs::kernels::uniform_fill(dy.data(), dy.numel(), -1.0f, 1.0f, 6, 0);

    // Layer by layer, as a user would chain them.
    const nnfs::Tensor h = nnfs::Tensor(l1.forward(x));
    const nnfs::Tensor a = nnfs::Tensor(a1.forward(h));
    const nnfs::Tensor y_ref = nnfs::Tensor(l2.forward(a));
    const nnfs::Tensor da = nnfs::Tensor(l2.backward(dy));
    const nnfs::Tensor dh = nnfs::Tensor(a1.backward(da));
    const nnfs::Tensor dx_ref = nnfs::Tensor(l1.backward(dh));
    const nnfs::Tensor dw_ref = l1.weight().grad, db_ref = l1.bias().grad;
    net.zero_grad();

    // Through Sequential: Linear + activation fused, inner inputs kept by pointer.
    // The GEMM epilogue and the activation kernel share simd/activation.hpp, but the SGEMM translation
    // units contract a * b + c into FMAs and the vector ones do not (kernels/CMakeLists.txt), and each
    // is within 2e-7 relative of exact: activations may differ by ~4e-7 relative; gradients are sums of
    // 9 to 21 such products (values ~1e-2) with cancellation, hence rtol 1e-5 and atol 1e-6 (a wrong
    // fusion is off by order 1).
    const nnfs::Tensor& y = net.forward(x);
    nnfs::test::check_close(y.span(), y_ref.span(), 1e-5, 1e-6, "output");
    const nnfs::Tensor& dx = net.backward(dy);
    nnfs::test::check_close(dx.span(), dx_ref.span(), 1e-5, 1e-6, "dx");
    nnfs::test::check_close(l1.weight().grad.span(), dw_ref.span(), 1e-5, 1e-6, "dW");
    nnfs::test::check_close(l1.bias().grad.span(), db_ref.span(), 1e-5, 1e-6, "db");
}

}  // namespace

TEST_CASE("fused Linear + ReLU / Sigmoid / Tanh equals the layer-by-layer result") {
    check_fused_matches_layer_by_layer<nnfs::ReLU>();
    check_fused_matches_layer_by_layer<nnfs::Sigmoid>();
    check_fused_matches_layer_by_layer<nnfs::Tanh>();
}

TEST_CASE("the caller's input may change after forward: the first layer keeps its own copy") {
    nnfs::manual_seed(5);
    nnfs::Sequential net;
    auto& l1 = net.emplace<nnfs::Linear>(3, 4);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::Linear>(4, 2);
    nnfs::Tensor x = nnfs::Tensor::full({2, 3}, 1.0f);
    const nnfs::Tensor dy = nnfs::Tensor::full({2, 2}, 1.0f);
    net.forward(x);
    net.backward(dy);
    const nnfs::Tensor expected = l1.weight().grad;
    net.zero_grad();
    net.forward(x);
    x.fill(100.0f);  // the caller reuses its buffer before backward
    net.backward(dy);
    CHECK(std::equal(l1.weight().grad.span().begin(), l1.weight().grad.span().end(), expected.span().begin()));
}

namespace {
// One training step's input gradient and every parameter gradient (cross-entropy on labels y); the
// generator reseeded first, so Dropout draws the same mask each time.
std::pair<nnfs::Tensor, std::vector<float>> step_gradients(nnfs::Sequential& net, const nnfs::Tensor& x,
                                                           const std::vector<int32_t>& y) {
    nnfs::manual_seed(10);
    nnfs::CrossEntropyLoss loss;
    net.zero_grad();
    loss.forward(net.forward(x), y);
    nnfs::Tensor dx = net.backward(loss.backward());
    std::vector<float> g;
    for (auto* p : net.parameters()) g.insert(g.end(), p->grad.span().begin(), p->grad.span().end());
    return {std::move(dx), g};
}
}  // namespace

// Found by an outside audit against PyTorch: only Linear honoured the switch; a first BatchNorm1d,
// Dropout, activation, Softmax or empty nested Sequential still computed and returned dL/dx.
TEST_CASE("requires_input_grad(false), whatever the first layer: same parameter gradients, no input gradient") {
    for (int first = 0; first < 8; ++first) {
        CAPTURE(first);
        nnfs::manual_seed(9);
        nnfs::Sequential net;
        switch (first) {
            case 0: net.emplace<nnfs::BatchNorm1d>(6); break;
            case 1: net.emplace<nnfs::Dropout>(0.3f); break;
            case 2: net.emplace<nnfs::ReLU>(); break;
            case 3: net.emplace<nnfs::Sigmoid>(); break;
            case 4: net.emplace<nnfs::Softmax>(); break;
            case 5: net.emplace<nnfs::Sequential>(); break;
            case 6: net.emplace<nnfs::Sequential>().emplace<nnfs::BatchNorm1d>(6); break;
            default:  // a Linear fused with its activation: the skipped product is one GEMM of three
                net.emplace<nnfs::Linear>(6, 6);
                net.emplace<nnfs::Tanh>();
                break;
        }
        net.emplace<nnfs::Linear>(6, 3);
        nnfs::Tensor x({5, 6});
        nnfs::kernels::uniform_fill(x.data(), x.numel(), -1.0f, 1.0f, 11, 0);
        const std::vector<int32_t> y{0, 1, 2, 1, 0};
        const auto [dx_full, g_full] = step_gradients(net, x, y);
        CHECK(dx_full.shape() == nnfs::Shape{5, 6});
        net.set_requires_input_grad(false);
        const auto [dx_none, g_none] = step_gradients(net, x, y);
        CHECK(dx_none.numel() == 0);
        CHECK(g_none == g_full);
        net.eval();  // BatchNorm's running-statistics backward and Dropout's identity too
        CHECK(step_gradients(net, x, y).first.numel() == 0);
        net.train();
        net.set_requires_input_grad(true);
        const auto [dx_again, g_again] = step_gradients(net, x, y);
        CHECK(dx_again.shape() == nnfs::Shape{5, 6});
        CHECK(std::equal(dx_again.span().begin(), dx_again.span().end(), dx_full.span().begin()));
    }
}
