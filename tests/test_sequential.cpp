// Sequential: parameter order and PyTorch state_dict names, train()/eval() reaching every child,
// an end-to-end gradient check of a chain of every module against central differences, gradient
// accumulation, the empty Sequential, empty batches and misuse.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nnfs/nnfs.hpp"
#include "support/reference.hpp"

using nnfs::Module;
using nnfs::Shape;
using nnfs::Tensor;
namespace t = nnfs::test;

TEST_CASE("Sequential parameters: children's, in order, named '<index>.<name>'") {
    nnfs::Sequential net;
    auto& l0 = net.emplace<nnfs::Linear>(4, 8);
    net.emplace<nnfs::ReLU>();
    auto& l2 = net.emplace<nnfs::Linear>(8, 3);
    const auto params = net.parameters();
    REQUIRE(params.size() == 4);
    CHECK(params[0] == &l0.weight());
    CHECK(params[1] == &l0.bias());
    CHECK(params[2] == &l2.weight());
    CHECK(params[3] == &l2.bias());
    CHECK(params[0]->name == "0.weight");
    CHECK(params[1]->name == "0.bias");
    CHECK(params[2]->name == "2.weight");
    CHECK(params[3]->name == "2.bias");
    CHECK(net.size() == 3);
    CHECK(!net.empty());
    CHECK(&net[0] == &l0);
    CHECK(&net[2] == &l2);
    CHECK(net.name() == "Sequential(Linear(4 -> 8), ReLU, Linear(8 -> 3))");
    CHECK(net.buffers().empty());
}

TEST_CASE("Sequential names BatchNorm's parameters and buffers, and nests like a state_dict") {
    nnfs::Sequential net;
    net.add(std::make_unique<nnfs::Linear>(4, 6));
    Module& bn_ref = net.add(std::make_unique<nnfs::BatchNorm1d>(6));
    net.emplace<nnfs::ReLU>();
    // A nested Sequential's parameters are prefixed with its own position: "1.0.weight", as in a
    // PyTorch state_dict.
    nnfs::Sequential net2;
    auto block = std::make_unique<nnfs::Sequential>();
    block->emplace<nnfs::Linear>(6, 2);
    block->emplace<nnfs::Tanh>();
    block->emplace<nnfs::Linear>(2, 2);
    net2.emplace<nnfs::Linear>(4, 6);
    net2.add(std::move(block));

    std::vector<std::string> names;
    for (auto* p : net.parameters()) names.push_back(p->name);
    CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias"});
    const auto buffers = net.buffers();
    REQUIRE(buffers.size() == 2);
    CHECK(buffers[0]->name == "1.running_mean");
    CHECK(buffers[1]->name == "1.running_var");
    CHECK(&buffers[0]->value == &static_cast<nnfs::BatchNorm1d&>(bn_ref).running_mean());

    names.clear();
    for (auto* p : net2.parameters()) names.push_back(p->name);
    CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "1.0.weight", "1.0.bias", "1.2.weight", "1.2.bias"});
}

TEST_CASE("Sequential train() and eval() reach every child, nested ones included; an added module keeps its mode") {
    nnfs::Sequential net;
    auto& lin = net.emplace<nnfs::Linear>(3, 3);
    auto& drop = net.emplace<nnfs::Dropout>(0.5f);
    auto& inner = net.emplace<nnfs::Sequential>();
    auto& bn = inner.emplace<nnfs::BatchNorm1d>(3);
    CHECK(net.is_training());
    CHECK(lin.is_training());
    net.eval();
    for (const Module* m : {static_cast<const Module*>(&net), static_cast<const Module*>(&lin),
                            static_cast<const Module*>(&drop), static_cast<const Module*>(&inner),
                            static_cast<const Module*>(&bn)}) {
        CHECK(!m->is_training());
    }
    // A module added to a Sequential in eval mode keeps its own mode, as in PyTorch (found by an outside
    // audit against PyTorch: a BatchNorm1d added after eval() normalized with its running stats, where
    // PyTorch's trains); the next eval() reaches it.
    auto& late = net.emplace<nnfs::Dropout>(0.5f);
    CHECK(late.is_training());
    net.eval();
    CHECK(!late.is_training());
    // In eval mode the whole net is deterministic: dropout is the identity, BatchNorm uses running stats.
    const Tensor x = t::Rng(1).uniform_tensor({4, 3}, -1.0, 1.0);
    const Tensor y1 = net.forward(x);
    const Tensor y2 = net.forward(x);
    for (int64_t i = 0; i < y1.numel(); ++i) CHECK(y1.data()[i] == y2.data()[i]);
    for (float v : bn.running_mean().span()) CHECK(v == 0.0f);
    net.train();
    for (const Module* m : {static_cast<const Module*>(&net), static_cast<const Module*>(&lin),
                            static_cast<const Module*>(&drop), static_cast<const Module*>(&inner),
                            static_cast<const Module*>(&bn), static_cast<const Module*>(&late)}) {
        CHECK(m->is_training());
    }
    // And a module in eval mode added to a training Sequential stays in eval mode.
    auto frozen = std::make_unique<nnfs::BatchNorm1d>(3);
    frozen->eval();
    CHECK(!net.add(std::move(frozen)).is_training());
    CHECK(net.is_training());
}

namespace {

// The chain Linear(6 -> 9), Tanh, BatchNorm1d(9), ReLU, Linear(9 -> 5), Tanh, Linear(5 -> 4), Sigmoid,
// Softmax in double. params: W0, b0, gamma, beta, W4, b4, W6, b6. pre_relu receives BatchNorm's output.
// (A Tanh between the first Linear and BatchNorm: directly before BatchNorm a bias has an identically
// zero gradient, which float rounding leaves at ~1e-9, a value no relative tolerance can judge.)
t::Vec chain_reference(const t::Vec& x, const std::vector<t::Vec>& p, int64_t n, double eps, t::Vec* pre_relu = nullptr) {
    t::Vec h = t::tanh(t::linear(x, p[0], p[1], n, 6, 9));
    h = t::batchnorm_train(h, p[2], p[3], n, 9, eps);
    if (pre_relu) *pre_relu = h;
    h = t::relu(h);
    h = t::tanh(t::linear(h, p[4], p[5], n, 9, 5));
    h = t::sigmoid(t::linear(h, p[6], p[7], n, 5, 4));
    return t::softmax(h, n, 4);
}

}  // namespace

TEST_CASE("Sequential backward through every module matches central differences of the chained reference") {
    for (int64_t n : {3, 8, 17}) {
        CAPTURE(n);
        nnfs::manual_seed(static_cast<uint64_t>(n));
        t::Rng rng(static_cast<uint64_t>(100 + n));
        nnfs::Sequential net;
        net.emplace<nnfs::Linear>(6, 9);
        net.emplace<nnfs::Tanh>();
        auto& bn = net.emplace<nnfs::BatchNorm1d>(9);
        net.emplace<nnfs::ReLU>();
        net.emplace<nnfs::Linear>(9, 5, nnfs::Init::HeNormal);
        net.emplace<nnfs::Tanh>();
        net.emplace<nnfs::Linear>(5, 4, nnfs::Init::XavierNormal);
        net.emplace<nnfs::Sigmoid>();
        net.emplace<nnfs::Softmax>();
        bn.weight().value = rng.uniform_tensor({9}, 0.5, 1.5);
        bn.bias().value = rng.uniform_tensor({9}, -0.5, 0.5);
        for (auto* p : net.parameters()) {
            if (p->name.ends_with("bias") && p->name != "2.bias") p->value = rng.uniform_tensor(p->shape(), -0.3, 0.3);
        }
        const Tensor x = rng.uniform_tensor({n, 6}, -2.0, 2.0);
        const double eps = double{bn.eps()};

        // The ReLU sits after BatchNorm: keep every one of its inputs at least 1e-3 from the kink,
        // about 100 times what a central-difference step moves it.
        std::vector<t::Vec> pv;
        for (auto* p : net.parameters()) pv.push_back(t::to_vec(p->value));
        t::Vec pre;
        chain_reference(t::to_vec(x), pv, n, eps, &pre);
        double margin = INFINITY;
        for (double v : pre) margin = std::min(margin, std::abs(v));
        REQUIRE(margin > 1e-3);

        t::check_module(
            net, x, [&](const t::Vec& xx, const std::vector<t::Vec>& pp) { return chain_reference(xx, pp, n, eps); },
            "Sequential chain batch " + std::to_string(n), 200 + static_cast<uint64_t>(n));
    }
}

TEST_CASE("Sequential without BatchNorm: batch 1 and batch 97 against central differences") {
    // Linear(13 -> 31), Sigmoid, Linear(31 -> 7), Softmax: every module without a batch constraint.
    for (int64_t n : {1, 97}) {
        CAPTURE(n);
        nnfs::manual_seed(static_cast<uint64_t>(n) + 1000);
        t::Rng rng(static_cast<uint64_t>(n) + 2000);
        nnfs::Sequential net;
        auto& l0 = net.emplace<nnfs::Linear>(13, 31, nnfs::Init::HeUniform);
        net.emplace<nnfs::Sigmoid>();
        auto& l2 = net.emplace<nnfs::Linear>(31, 7);
        net.emplace<nnfs::Softmax>();
        l0.bias().value = rng.uniform_tensor({31}, -0.3, 0.3);
        l2.bias().value = rng.uniform_tensor({7}, -0.3, 0.3);
        const Tensor x = rng.uniform_tensor({n, 13}, -1.0, 1.0);
        t::check_module(
            net, x,
            [n](const t::Vec& xx, const std::vector<t::Vec>& p) {
                const t::Vec h = t::sigmoid(t::linear(xx, p[0], p[1], n, 13, 31));
                return t::softmax(t::linear(h, p[2], p[3], n, 31, 7), n, 7);
            },
            "Sequential Linear-Sigmoid-Linear-Softmax batch " + std::to_string(n), 300 + static_cast<uint64_t>(n));
    }
}

TEST_CASE("Sequential gradients accumulate across backward calls; zero_grad clears every child") {
    t::Rng rng(5);
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(4, 6);
    net.emplace<nnfs::Tanh>();
    net.emplace<nnfs::BatchNorm1d>(6);
    net.emplace<nnfs::Linear>(6, 2);
    const Tensor x = rng.uniform_tensor({5, 4}, -1.0, 1.0);
    const Tensor r = rng.uniform_tensor({5, 2}, -1.0, 1.0);
    net.forward(x);
    net.zero_grad();
    net.backward(r);
    std::vector<Tensor> first;
    for (auto* p : net.parameters()) first.push_back(p->grad);
    net.backward(r);
    const auto params = net.parameters();
    for (size_t k = 0; k < params.size(); ++k) {
        CAPTURE(params[k]->name);
        int64_t mismatches = 0;
        for (int64_t i = 0; i < first[k].numel(); ++i) mismatches += params[k]->grad.data()[i] != 2.0f * first[k].data()[i];
        CHECK(mismatches == 0);
    }
    net.zero_grad();
    for (auto* p : params) {
        for (float g : p->grad.span()) REQUIRE(g == 0.0f);
    }
}

TEST_CASE("an empty Sequential is the identity") {
    nnfs::Sequential net;
    CHECK(net.empty());
    CHECK(net.parameters().empty());
    CHECK(net.name() == "Sequential()");
    const Tensor x = t::Rng(3).uniform_tensor({3, 4}, -1.0, 1.0);
    const Tensor& y = net.forward(x);
    REQUIRE(y.shape() == x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) CHECK(y.data()[i] == x.data()[i]);
    const Tensor& dx = net.backward(x);
    for (int64_t i = 0; i < x.numel(); ++i) CHECK(dx.data()[i] == x.data()[i]);
}

TEST_CASE("Sequential on an empty batch returns an empty output and gradient") {
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(6, 9);
    net.emplace<nnfs::BatchNorm1d>(9);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::Dropout>(0.5f);
    net.emplace<nnfs::Linear>(9, 4);
    net.emplace<nnfs::Softmax>();
    CHECK(net.forward(Tensor({0, 6})).shape() == Shape{0, 4});
    net.zero_grad();
    CHECK(net.backward(Tensor({0, 4})).shape() == Shape{0, 6});
    for (auto* p : net.parameters()) {
        for (float g : p->grad.span()) CHECK(g == 0.0f);
    }
}

TEST_CASE("Sequential misuse raises nnfs::Error naming the layer, the module and the shapes") {
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(4, 8);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::Linear>(8, 3);
    CHECK_THROWS_WITH_AS(net.backward(Tensor({2, 3})),
                         doctest::Contains("Sequential layer 2 backward: Linear(8 -> 3): backward called before forward"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(net.forward(Tensor({2, 5})),
                         doctest::Contains("Sequential layer 0 forward: Linear(4 -> 8): input [2, 5], expected [*, 4]"),
                         nnfs::Error);
    net.forward(Tensor({2, 4}));
    CHECK_THROWS_WITH_AS(net.backward(Tensor({2, 4})),
                         doctest::Contains("Sequential layer 2 backward: Linear(8 -> 3): grad_output [2, 4], expected [2, 3]"),
                         nnfs::Error);
    CHECK_THROWS_WITH_AS(net[3], doctest::Contains("Sequential: no module 3 (size 3)"), nnfs::Error);
    CHECK_THROWS_WITH_AS(net.add(nullptr), doctest::Contains("Sequential::add: null module at position 3"), nnfs::Error);

    nnfs::Sequential bad;
    bad.emplace<nnfs::Linear>(4, 8);
    bad.emplace<nnfs::Linear>(7, 3);
    CHECK_THROWS_WITH_AS(bad.forward(Tensor({2, 4})),
                         doctest::Contains("Sequential layer 1 forward: Linear(7 -> 3): input [2, 8], expected [*, 7]"),
                         nnfs::Error);
}

TEST_CASE("every module accepts its own last output as its next input (m.forward(m.forward(x)))") {
    // forward returns a buffer the module owns; feeding it straight back in is the natural way to
    // apply a square layer twice and must give the same result as feeding a copy.
    t::Rng rng(77);
    const Tensor x = rng.uniform_tensor({6, 5}, -1.0, 1.0);
    auto check = [&](Module& m, const char* what) {
        CAPTURE(std::string(what));
        const Tensor once = m.forward(x);
        const Tensor twice_copy = m.forward(Tensor(once));
        m.forward(x);
        const Tensor& twice_alias = m.forward(m.forward(x));
        REQUIRE(twice_alias.shape() == twice_copy.shape());
        int64_t mismatches = 0;
        for (int64_t i = 0; i < twice_copy.numel(); ++i) mismatches += twice_alias.data()[i] != twice_copy.data()[i];
        CHECK(mismatches == 0);
    };
    nnfs::Linear lin(5, 5);
    lin.bias().value = rng.uniform_tensor({5}, -0.5, 0.5);
    check(lin, "Linear");
    nnfs::ReLU relu;
    check(relu, "ReLU");
    nnfs::Sigmoid sig;
    check(sig, "Sigmoid");
    nnfs::Tanh th;
    check(th, "Tanh");
    nnfs::Softmax sm;
    check(sm, "Softmax");
    nnfs::BatchNorm1d bn(5);
    bn.eval();  // evaluation: the running statistics do not move between the calls
    bn.running_mean() = rng.uniform_tensor({5}, -0.5, 0.5);
    check(bn, "BatchNorm1d eval");
    nnfs::Dropout drop(0.5f);
    drop.eval();
    check(drop, "Dropout eval");
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(5, 5);
    net.emplace<nnfs::Tanh>();
    net.emplace<nnfs::Linear>(5, 5);
    check(net, "Sequential");
}

TEST_CASE("a Linear fed its own output (alone or fused with the activation after it) multiplies and keeps the input as given") {
    // The GEMM writes the buffer it would read: the layer must multiply from a copy, and backward must
    // see that copy. 50 rows span several register tiles of every SGEMM path, so reading a row after
    // an earlier tile overwrote it would show.
    t::Rng rng(78);
    const Tensor x = rng.uniform_tensor({50, 9}, -1.0, 1.0);
    const Tensor dy = rng.uniform_tensor({50, 9}, -1.0, 1.0);
    auto run = [&](Module& m, bool alias) {
        m.forward(x);
        const Tensor out = alias ? m.forward(m.forward(x)) : m.forward(Tensor(m.forward(x)));
        for (nnfs::Parameter* p : m.parameters()) p->grad.fill(0.0f);
        const Tensor dx = m.backward(dy);
        std::vector<Tensor> grads;
        for (nnfs::Parameter* p : m.parameters()) grads.push_back(p->grad);
        return std::make_pair(std::vector<Tensor>{out, dx}, grads);
    };
    auto mismatches = [](const Tensor& a, const Tensor& b) {
        REQUIRE(a.shape() == b.shape());
        int64_t n = 0;
        for (int64_t i = 0; i < a.numel(); ++i) n += a.data()[i] != b.data()[i];
        return n;
    };
    auto check = [&](Module& m, const char* what) {
        CAPTURE(std::string(what));
        const auto [copy_out, copy_grads] = run(m, false);
        const auto [alias_out, alias_grads] = run(m, true);
        for (size_t i = 0; i < copy_out.size(); ++i) CHECK(mismatches(alias_out[i], copy_out[i]) == 0);
        REQUIRE(alias_grads.size() == copy_grads.size());
        for (size_t i = 0; i < copy_grads.size(); ++i) CHECK(mismatches(alias_grads[i], copy_grads[i]) == 0);
    };
    nnfs::manual_seed(5);
    nnfs::Linear lin(9, 9);
    check(lin, "Linear");
    nnfs::Sequential fused;  // one fused pair: its GEMM writes the activation's output, the net's output
    fused.emplace<nnfs::Linear>(9, 9);
    fused.emplace<nnfs::Sigmoid>();
    check(fused, "Sequential of Linear + Sigmoid");
}

namespace {
std::string joined(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
    return s;
}
}  // namespace

TEST_CASE("modules added to a nested Sequential after it joined its parent get fully qualified, unique names") {
    // PyTorch's state_dict qualifies by position at every level whenever a module was added:
    // outer = Sequential(Linear, Sequential(Linear, Sequential(BatchNorm1d))) names the inner ones
    // "1.0.weight" and "1.1.weight", never a second "0.weight".
    nnfs::Sequential outer;
    outer.emplace<nnfs::Linear>(4, 4);
    auto& inner = outer.emplace<nnfs::Sequential>();
    inner.emplace<nnfs::Linear>(4, 2);
    auto& innermost = inner.emplace<nnfs::Sequential>();
    innermost.emplace<nnfs::BatchNorm1d>(2);
    std::vector<std::string> names, buffer_names;
    for (auto* p : outer.parameters()) names.push_back(p->name);
    for (auto* b : outer.buffers()) buffer_names.push_back(b->name);
    CHECK(joined(names) == "0.weight, 0.bias, 1.0.weight, 1.0.bias, 1.1.0.weight, 1.1.0.bias");
    CHECK(joined(buffer_names) == "1.1.0.running_mean, 1.1.0.running_var");

    // The whole tree joining a root later is qualified once more, and so are later additions.
    nnfs::Sequential root;
    root.emplace<nnfs::ReLU>();
    auto tree = std::make_unique<nnfs::Sequential>();
    auto& branch = tree->emplace<nnfs::Sequential>();
    branch.emplace<nnfs::Linear>(3, 3);
    root.add(std::move(tree));
    branch.emplace<nnfs::Linear>(3, 1);
    names.clear();
    for (auto* p : root.parameters()) names.push_back(p->name);
    CHECK(joined(names) == "1.0.0.weight, 1.0.0.bias, 1.0.1.weight, 1.0.1.bias");
}

TEST_CASE("a whole training step is bitwise identical for every thread count") {
    t::Rng rng(91);
    const Tensor x = rng.uniform_tensor({67, 29}, -2.0, 2.0);
    std::vector<int32_t> labels(67);
    for (int32_t& l : labels) l = rng.index(11);
    const int saved = nnfs::get_num_threads();
    std::vector<std::vector<float>> results;
    for (int threads : {1, 2, 3}) {
        nnfs::set_num_threads(threads);
        nnfs::manual_seed(2024);
        nnfs::Sequential net;
        net.emplace<nnfs::Linear>(29, 47);
        net.emplace<nnfs::BatchNorm1d>(47);
        net.emplace<nnfs::ReLU>();
        net.emplace<nnfs::Dropout>(0.3f);
        net.emplace<nnfs::Linear>(47, 11);
        nnfs::CrossEntropyLoss loss;
        nnfs::Adam opt(net.parameters(), {.lr = 0.01f});
        std::vector<float> r;
        for (int step = 0; step < 2; ++step) {
            opt.zero_grad();
            r.push_back(loss.forward(net.forward(x), labels));
            const Tensor& dx = net.backward(loss.backward());
            r.insert(r.end(), dx.span().begin(), dx.span().end());
            opt.step();
        }
        for (auto* p : net.parameters()) r.insert(r.end(), p->value.span().begin(), p->value.span().end());
        results.push_back(std::move(r));
    }
    nnfs::set_num_threads(saved);
    for (size_t k = 1; k < results.size(); ++k) {
        REQUIRE(results[k].size() == results[0].size());
        int64_t mismatches = 0;
        for (size_t i = 0; i < results[0].size(); ++i) mismatches += results[k][i] != results[0][i];
        CHECK(mismatches == 0);
    }
}
