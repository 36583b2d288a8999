// Misuse never crashes (issue 6, item 3): each situation of the list, then the others a user will
// meet, gives an nnfs::Error whose message names the operation and the shapes or values, or a documented
// result checked here numerically (PyTorch 1.13's where it has one: the values quoted come from running it).
// After a failed call the object stays usable: the next correct call gives the same result as a fresh one.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nnfs/nnfs.hpp"

using nnfs::Parameter;
using nnfs::Shape;
using nnfs::Tensor;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// Runs f, which must throw nnfs::Error (any other exception fails the test case), and checks that the
// message holds every part.
template <class F>
void check_error(F&& f, std::initializer_list<std::string_view> parts) {
    try {
        f();
        FAIL_CHECK("no nnfs::Error; expected one containing '" << *parts.begin() << "'");
    } catch (const nnfs::Error& e) {
        const std::string message = e.what();
        for (std::string_view part : parts) {
            INFO("message: " << message);
            CHECK(message.find(part) != std::string::npos);
        }
    }
}

Tensor ramp(const Shape& shape, float scale = 0.25f, float offset = -1.0f) {
    Tensor t(shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = offset + scale * static_cast<float>(i % 11);
    return t;
}

void check_equal(const Tensor& actual, const Tensor& expected, const char* what) {
    INFO(what);
    REQUIRE(actual.shape() == expected.shape());
    for (int64_t i = 0; i < actual.numel(); ++i) {
        INFO("element " << i);
        CHECK(actual.data()[i] == expected.data()[i]);
    }
}

bool all_zero(const Tensor& t) {
    for (float v : t.span()) {
        if (v != 0.0f) return false;
    }
    return true;
}

// `m` (after whatever failed on it) against a fresh module with the same parameters and buffers: forward
// and backward on (x, dy) must agree bitwise, the parameter gradients included.
void check_usable(nnfs::Module& m, nnfs::Module& fresh, const Tensor& x, const Tensor& dy) {
    auto ps = m.parameters(), fs = fresh.parameters();
    REQUIRE(ps.size() == fs.size());
    for (size_t i = 0; i < ps.size(); ++i) fs[i]->value = ps[i]->value;
    auto bs = m.buffers(), fb = fresh.buffers();
    REQUIRE(bs.size() == fb.size());
    for (size_t i = 0; i < bs.size(); ++i) fb[i]->value = bs[i]->value;
    m.zero_grad();
    fresh.zero_grad();
    nnfs::manual_seed(11);  // the same dropout mask for both
    const Tensor y = m.forward(x);
    nnfs::manual_seed(11);
    check_equal(y, fresh.forward(x), "forward after the failed call");
    check_equal(m.backward(dy), fresh.backward(dy), "backward after the failed call");
    for (size_t i = 0; i < ps.size(); ++i) check_equal(ps[i]->grad, fs[i]->grad, "parameter gradient");
}

// Linear(3 -> 4), ReLU, Linear(4 -> 2).
void add_3_4_2(nnfs::Sequential& s) {
    s.emplace<nnfs::Linear>(3, 4);
    s.emplace<nnfs::ReLU>();
    s.emplace<nnfs::Linear>(4, 2);
}

// One module of each kind, built the same way twice.
struct Kind {
    const char* name;
    std::unique_ptr<nnfs::Module> (*make)();
    int64_t in, out;
};
const std::vector<Kind>& kinds() {
    static const std::vector<Kind> k{
        {"Linear(3 -> 4)", [] { return std::unique_ptr<nnfs::Module>(new nnfs::Linear(3, 4)); }, 3, 4},
        {"ReLU", [] { return std::unique_ptr<nnfs::Module>(new nnfs::ReLU()); }, 3, 3},
        {"Sigmoid", [] { return std::unique_ptr<nnfs::Module>(new nnfs::Sigmoid()); }, 3, 3},
        {"Tanh", [] { return std::unique_ptr<nnfs::Module>(new nnfs::Tanh()); }, 3, 3},
        {"Softmax", [] { return std::unique_ptr<nnfs::Module>(new nnfs::Softmax()); }, 3, 3},
        {"BatchNorm1d(3)", [] { return std::unique_ptr<nnfs::Module>(new nnfs::BatchNorm1d(3)); }, 3, 3},
        {"Dropout(p = 0.5)", [] { return std::unique_ptr<nnfs::Module>(new nnfs::Dropout(0.5f)); }, 3, 3},
    };
    return k;
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// The list

TEST_CASE("backward before forward") {
    for (const Kind& k : kinds()) {
        CAPTURE(k.name);
        auto m = k.make();
        check_error([&] { m->backward(Tensor({2, k.out})); }, {k.name, ": backward called before forward"});
        auto fresh = k.make();
        check_usable(*m, *fresh, ramp({4, k.in}), ramp({4, k.out}, 0.5f));
    }
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(3, 4);
    net.emplace<nnfs::Tanh>();
    check_error([&] { net.backward(Tensor({2, 4})); }, {"Sequential layer 1 backward: Tanh: backward called before forward"});

    nnfs::MSELoss mse;
    nnfs::BCELoss bce;
    nnfs::BCEWithLogitsLoss bcel;
    nnfs::CrossEntropyLoss ce;
    check_error([&] { mse.backward(); }, {"MSELoss: backward called before forward"});
    check_error([&] { bce.backward(); }, {"BCELoss: backward called before forward"});
    check_error([&] { bcel.backward(); }, {"BCEWithLogitsLoss: backward called before forward"});
    check_error([&] { ce.backward(); }, {"CrossEntropyLoss: backward called before forward"});
    // A failed forward leaves nothing behind for backward, not the state of the call before it.
    const Tensor logits = ramp({2, 3});
    ce.forward(logits, std::vector<int32_t>{0, 2});
    check_error([&] { ce.forward(logits, std::vector<int32_t>{0, 3}); }, {"CrossEntropyLoss: target[1] = 3"});
    check_error([&] { ce.backward(); }, {"CrossEntropyLoss: backward called before forward"});
    mse.forward(logits, logits);
    check_error([&] { mse.forward(logits, Tensor({3, 2})); }, {"MSELoss: prediction [2, 3] and target [3, 2]"});
    check_error([&] { mse.backward(); }, {"MSELoss: backward called before forward"});
    // ... and the next correct forward works: d/dx mean((x - t)^2) = 2 (x - t) / n.
    const Tensor target = Tensor::full({2, 3}, 0.5f);
    mse.forward(logits, target);
    const Tensor& g = mse.backward();
    for (int64_t i = 0; i < 6; ++i) CHECK(g.data()[i] == doctest::Approx(2.0 * (logits.data()[i] - 0.5) / 6.0));
}

TEST_CASE("a gradient of the wrong shape") {
    for (const Kind& k : kinds()) {
        CAPTURE(k.name);
        auto m = k.make();
        m->forward(ramp({4, k.in}));
        // Wrong width, and the right width for a batch other than the last forward's.
        check_error([&] { m->backward(Tensor({4, k.out + 2})); },
                    {k.name, ": grad_output [4, " + std::to_string(k.out + 2) + "], expected [4, " + std::to_string(k.out) + "]"});
        check_error([&] { m->backward(Tensor({5, k.out})); },
                    {k.name, ": grad_output [5, " + std::to_string(k.out) + "], expected [4, " + std::to_string(k.out) + "]"});
        check_error([&] { m->backward(Tensor({4 * k.out})); }, {k.name, ": grad_output [" + std::to_string(4 * k.out) + "]"});
        for (Parameter* p : m->parameters()) CHECK(all_zero(p->grad));  // nothing accumulated
        auto fresh = k.make();
        check_usable(*m, *fresh, ramp({4, k.in}), ramp({4, k.out}, 0.5f));
    }
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(3, 4);
    net.emplace<nnfs::ReLU>();
    net.forward(ramp({2, 3}));
    check_error([&] { net.backward(Tensor({2, 3})); }, {"Sequential layer 1 backward: ReLU: grad_output [2, 3], expected [2, 4]"});

    // An optimizer given a gradient of another shape than its parameter's updates nothing.
    nnfs::Linear a(2, 2);
    nnfs::SGD sgd(a.parameters(), {.lr = 0.1f});
    a.bias().grad = Tensor::full({3}, 1.0f);
    a.weight().grad.fill(1.0f);
    const Tensor w0 = a.weight().value;
    check_error([&] { sgd.step(); }, {"SGD: gradient of bias is [3], its value is [2]"});
    check_equal(a.weight().value, w0, "weight after the failed step");
    a.bias().grad = Tensor::full({2}, 1.0f);
    sgd.step();
    for (int64_t i = 0; i < 4; ++i) CHECK(a.weight().value.data()[i] == w0.data()[i] - 0.1f);
    for (int64_t i = 0; i < 2; ++i) CHECK(a.bias().value.data()[i] == -0.1f);
}

TEST_CASE("step() with no gradients") {
    // PyTorch 1.13: a parameter whose grad is None is skipped, so step() before any backward changes
    // nothing, whatever the weight decay and momentum; Adam's state stays empty.
    nnfs::manual_seed(5);
    nnfs::Linear l(3, 2);
    const Tensor w0 = l.weight().value, b0 = l.bias().value;
    nnfs::SGD sgd(l.parameters(), {.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.1f});
    nnfs::Adam adam(l.parameters(), {.lr = 0.1f, .weight_decay = 0.1f});
    nnfs::AdamW adamw(l.parameters(), {.lr = 0.1f});
    for (int i = 0; i < 3; ++i) {
        sgd.step();
        adam.step();
        adamw.step();
    }
    check_equal(l.weight().value, w0, "weight");
    check_equal(l.bias().value, b0, "bias");
    for (size_t i = 0; i < 2; ++i) {
        CHECK(adam.step_count(i) == 0);
        CHECK(adamw.step_count(i) == 0);
    }
    for (const Tensor& v : sgd.velocity()) CHECK(all_zero(v));
    for (const Tensor& m : adam.exp_avg()) CHECK(all_zero(m));

    // Only the parameters a backward reached move (torch: two Adam steps with lr 0.1 on a with grad 1
    // give 0.8; b without a grad stays 1).
    Parameter a("a", Tensor::full({2}, 1.0f)), b("b", Tensor::full({2}, 1.0f));
    nnfs::Adam partial({&a, &b}, {.lr = 0.1f});
    a.grad.fill(1.0f);
    partial.step();
    partial.step();
    for (int i = 0; i < 2; ++i) {
        CHECK(a.value.data()[i] == doctest::Approx(0.8f).epsilon(1e-6));
        CHECK(b.value.data()[i] == 1.0f);
    }
    CHECK(partial.step_count(0) == 2);
    CHECK(partial.step_count(1) == 0);  // torch: b has no state
    CHECK(a.has_grad);
    CHECK_FALSE(b.has_grad);

    // After the default zero_grad() the gradient exists and is zero: weight decay and momentum move the
    // parameter, as PyTorch 1.13's zero_grad(set_to_none=False). torch: w = ones(2), SGD(lr 0.1,
    // momentum 0.9, weight_decay 0.1), grad 1, step, zero_grad(), step -> 0.7821; with zero_grad(set_to_none=True)
    // instead -> 0.89 (the second step skipped).
    for (const bool set_to_none : {false, true}) {
        CAPTURE(set_to_none);
        nnfs::Linear one(1, 2);  // weight (2, 1): grad of sum(y) for x = 1 is 1 per element
        one.weight().value.fill(1.0f);
        nnfs::SGD opt({&one.weight()}, {.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.1f});
        one.forward(Tensor::full({1, 1}, 1.0f));
        one.backward(Tensor::full({1, 2}, 1.0f));
        opt.step();  // g = 1 + 0.1 = 1.1, v = 1.1, w = 1 - 0.11 = 0.89
        opt.zero_grad(set_to_none);
        CHECK(all_zero(one.weight().grad));
        CHECK(one.weight().has_grad == !set_to_none);
        opt.step();  // kept: g = 0.1 * 0.89, v = 0.9 * 1.1 + 0.089 = 1.079, w = 0.89 - 0.1079 = 0.7821
        const double expected = set_to_none ? 0.89 : 0.7821;
        for (int i = 0; i < 2; ++i) CHECK(one.weight().value.data()[i] == doctest::Approx(expected).epsilon(1e-6));
    }
    // Module::zero_grad(true) does the same for a model's parameters.
    nnfs::Sequential net;
    net.emplace<nnfs::Linear>(2, 2);
    net.forward(ramp({3, 2}));
    net.backward(ramp({3, 2}));
    for (Parameter* p : net.parameters()) CHECK(p->has_grad);
    net.zero_grad(true);
    for (Parameter* p : net.parameters()) CHECK_FALSE(p->has_grad);

    // A gradient written by hand counts (torch: an assigned p.grad is not None) once it is non-zero.
    Parameter h("h", Tensor::full({2}, 1.0f));
    nnfs::SGD hand({&h}, {.lr = 0.5f});
    h.grad.fill(0.5f);
    hand.step();
    CHECK(h.value.data()[0] == 0.75f);
    CHECK(h.has_grad);
}

TEST_CASE("an empty Sequential") {
    // The identity, as torch.nn.Sequential(), forward and backward, for any shape.
    nnfs::Sequential net;
    CHECK(net.parameters().empty());
    CHECK(net.output_shape({5, 7}) == Shape{5, 7});
    const Tensor x = ramp({2, 5});
    check_equal(net.forward(x), x, "forward");
    const Tensor dy = ramp({2, 5}, 0.5f);
    check_equal(net.backward(dy), dy, "backward");
    check_equal(net.forward(Tensor({0, 3})), Tensor({0, 3}), "empty batch");
    // An optimizer over its (no) parameters is an error, as torch's "optimizer got an empty parameter list".
    check_error([&] { nnfs::SGD sgd(net.parameters()); }, {"SGD: empty parameter list"});
    check_error([&] { nnfs::Adam adam(net.parameters()); }, {"Adam: empty parameter list"});
    // It saves and loads (nothing), and adding to it later makes an ordinary model.
    const std::string path = "misuse_empty_sequential.nnfs";
    nnfs::save(net, path);
    nnfs::load(net, path);
    std::remove(path.c_str());
    net.emplace<nnfs::Linear>(5, 2);
    CHECK(net.forward(x).shape() == Shape{2, 2});
}

TEST_CASE("a batch of zero rows") {
    // Every module gives an empty output and an empty input gradient and adds nothing to its parameters'
    // gradients (torch: Linear on [0, 4] gives [0, 3] and zero grads); BatchNorm in training leaves its
    // running statistics alone.
    for (const Kind& k : kinds()) {
        CAPTURE(k.name);
        auto m = k.make();
        CHECK(m->forward(Tensor({0, k.in})).shape() == Shape{0, k.out});
        CHECK(m->backward(Tensor({0, k.out})).shape() == Shape{0, k.in});
        for (Parameter* p : m->parameters()) CHECK(all_zero(p->grad));
        for (nnfs::Buffer* b : m->buffers()) {
            for (float v : b->value.span()) CHECK(v == (b->name == "running_var" ? 1.0f : 0.0f));
        }
        auto fresh = k.make();
        check_usable(*m, *fresh, ramp({4, k.in}), ramp({4, k.out}, 0.5f));
    }
    // Softmax over zero classes (torch: [3, 0] -> [3, 0]).
    nnfs::Softmax softmax;
    CHECK(softmax.forward(Tensor({3, 0})).shape() == Shape{3, 0});
    // BatchNorm cannot normalise one sample in training (torch: "Expected more than 1 value per channel").
    nnfs::BatchNorm1d bn(3);
    check_error([&] { bn.forward(Tensor({1, 3})); }, {"BatchNorm1d(3): training needs more than 1 sample per feature, got input [1, 3]"});
    bn.eval();
    CHECK(bn.forward(Tensor({1, 3})).shape() == Shape{1, 3});

    // Losses: the mean over nothing is NaN (torch: MSE, BCE, BCEWithLogits, CrossEntropy on [0, 3] give nan)
    // and the gradient is empty.
    const Tensor e({0, 3});
    nnfs::MSELoss mse;
    nnfs::BCELoss bce;
    nnfs::BCEWithLogitsLoss bcel;
    for (nnfs::ElementwiseLoss* loss : std::initializer_list<nnfs::ElementwiseLoss*>{&mse, &bce, &bcel}) {
        CAPTURE(loss->name());
        CHECK(std::isnan(loss->forward(e, e)));
        CHECK(loss->backward().shape() == Shape{0, 3});
    }
    nnfs::CrossEntropyLoss ce;
    CHECK(std::isnan(ce.forward(e, std::vector<int32_t>{})));
    CHECK(ce.backward().shape() == Shape{0, 3});
    CHECK(std::isnan(ce.forward(e, e)));
    CHECK(ce.backward().shape() == Shape{0, 3});
    // The loss is usable on a real batch right after: log(3) for equal logits.
    CHECK(ce.forward(Tensor({2, 3}), std::vector<int32_t>{0, 1}) == doctest::Approx(std::log(3.0)));

    // A step after an empty batch: the backward ran, so the (zero) gradients exist and weight decay applies,
    // as in torch where the grads are zero tensors.
    nnfs::Linear l(2, 1);
    l.weight().value.fill(1.0f);
    l.forward(Tensor({0, 2}));
    l.backward(Tensor({0, 1}));
    nnfs::SGD sgd(l.parameters(), {.lr = 0.5f, .weight_decay = 0.1f});
    sgd.step();
    CHECK(l.weight().value.data()[0] == doctest::Approx(0.95f));

    // Data: argmax of nothing is nothing; metrics of nothing are an error (a score of no samples is undefined).
    CHECK(nnfs::argmax(Tensor({0, 3})).empty());
    const std::vector<int32_t> none;
    check_error([&] { nnfs::accuracy(none, none); }, {"accuracy: no samples"});
    check_error([&] { nnfs::confusion_matrix(none, none, 3); }, {"confusion_matrix: no samples"});
    const std::vector<float> nonef;
    check_error([&] { nnfs::mean_squared_error(nonef, nonef); }, {"mean_squared_error: no samples"});
    check_error([&] { nnfs::r2_score(nonef, nonef); }, {"r2_score: no samples"});
    nnfs::Standardizer z;
    check_error([&] { z.fit(Tensor({0, 3})); }, {"Standardizer::fit: data [0, 3], expected [samples >= 1, features >= 1]"});
}

namespace {
// NaN and Inf through every module and loss, on the instruction set the kernels currently use.
void check_nan_and_inf() {
    // torch: relu [nan, inf, -inf, 1] -> [nan, inf, 0, 1]; sigmoid [nan, 1, 0, 0.7310586]; tanh [nan, 1, -1, 0.7615942].
    const Tensor x = Tensor::from({1, 4}, std::vector<float>{kNaN, kInf, -kInf, 1.0f});
    nnfs::ReLU relu;
    nnfs::Sigmoid sigmoid;
    nnfs::Tanh tanh_;
    const Tensor r = relu.forward(x), s = sigmoid.forward(x), t = tanh_.forward(x);
    CHECK(std::isnan(r.data()[0]));
    CHECK(r.data()[1] == kInf);
    CHECK(r.data()[2] == 0.0f);
    CHECK(r.data()[3] == 1.0f);
    CHECK(std::isnan(s.data()[0]));
    CHECK(s.data()[1] == 1.0f);
    CHECK(s.data()[2] == 0.0f);
    CHECK(s.data()[3] == doctest::Approx(0.7310586));
    CHECK(std::isnan(t.data()[0]));
    CHECK(t.data()[1] == 1.0f);
    CHECK(t.data()[2] == -1.0f);
    CHECK(t.data()[3] == doctest::Approx(0.7615942));
    // ReLU passes the gradient at NaN (torch: grad of relu at [nan, inf, -inf, 1] for dy = 2 is [2, 2, 0, 2]).
    const Tensor dr = relu.backward(Tensor::full({1, 4}, 2.0f));
    CHECK(dr.data()[0] == 2.0f);
    CHECK(dr.data()[1] == 2.0f);
    CHECK(dr.data()[2] == 0.0f);
    CHECK(dr.data()[3] == 2.0f);

    // The fused Linear + ReLU of a Sequential keeps a NaN too (it gave 0 before), and only in its row.
    nnfs::Sequential net;
    auto& lin = net.emplace<nnfs::Linear>(2, 3);
    net.emplace<nnfs::ReLU>();
    lin.weight().value.fill(1.0f);
    const Tensor& y = net.forward(Tensor::from({2, 2}, std::vector<float>{kNaN, 1.0f, 1.0f, 2.0f}));
    for (int64_t j = 0; j < 3; ++j) {
        CHECK(std::isnan(y.t(0, j)));
        CHECK(y.t(1, j) == 3.0f);
    }

    // Softmax: a NaN or +Inf in a row makes the row NaN, -Inf gives probability 0 (torch: [inf, 1] -> nan,
    // [-inf, 1] -> [0, 1], [-inf, -inf] -> nan).
    nnfs::Softmax softmax;
    const Tensor p = softmax.forward(Tensor::from({4, 2}, std::vector<float>{kNaN, 1.0f, kInf, 1.0f, -kInf, 1.0f, -kInf, -kInf}));
    for (int64_t j = 0; j < 2; ++j) {
        CHECK(std::isnan(p.t(0, j)));
        CHECK(std::isnan(p.t(1, j)));
        CHECK(std::isnan(p.t(3, j)));
    }
    CHECK(p.t(2, 0) == 0.0f);
    CHECK(p.t(2, 1) == 1.0f);

    // BatchNorm in training: a NaN poisons its feature's column and running statistics, not the others
    // (torch: [[nan, 1], [0, 2], [1, 4]] -> column 0 nan, column 1 [-1.0690415, -0.2672603, 1.3363020],
    // running_mean [nan, 0.2333333]).
    nnfs::BatchNorm1d bn(2);
    const Tensor b = bn.forward(Tensor::from({3, 2}, std::vector<float>{kNaN, 1.0f, 0.0f, 2.0f, 1.0f, 4.0f}));
    const double col1[] = {-1.0690414905548096, -0.2672603130340576, 1.3363020420074463};
    for (int64_t i = 0; i < 3; ++i) {
        CHECK(std::isnan(b.t(i, 0)));
        CHECK(b.t(i, 1) == doctest::Approx(col1[i]).epsilon(1e-5));
    }
    CHECK(std::isnan(bn.running_mean().data()[0]));
    CHECK(bn.running_mean().data()[1] == doctest::Approx(0.23333333).epsilon(1e-6));

    // Losses: torch gives MSE([inf], [1]) = inf, CrossEntropy([[inf, 0]], 0) = nan, CrossEntropy([[-inf, 0]], 1) = 0,
    // BCEWithLogits([inf], [1]) = nan, and BCELoss refuses a NaN prediction ("all elements of input should be
    // between 0 and 1").
    nnfs::MSELoss mse;
    CHECK(mse.forward(Tensor::full({1}, kInf), Tensor::full({1}, 1.0f)) == kInf);
    nnfs::CrossEntropyLoss ce;
    CHECK(std::isnan(ce.forward(Tensor::from({1, 2}, std::vector<float>{kInf, 0.0f}), std::vector<int32_t>{0})));
    CHECK(ce.forward(Tensor::from({1, 2}, std::vector<float>{-kInf, 0.0f}), std::vector<int32_t>{1}) == 0.0f);
    CHECK(std::isnan(ce.forward(Tensor::from({1, 2}, std::vector<float>{kNaN, 0.0f}), std::vector<int32_t>{1})));
    nnfs::BCEWithLogitsLoss bcel;
    CHECK(std::isnan(bcel.forward(Tensor::full({1}, kInf), Tensor::full({1}, 1.0f))));
    nnfs::BCELoss bce;
    check_error([&] { bce.forward(Tensor::from({2}, std::vector<float>{0.5f, kNaN}), Tensor({2})); },
                {"BCELoss: prediction[1] = nan is not a probability in [0, 1]"});
    check_error([&] { bce.forward(Tensor::full({1}, 1.5f), Tensor({1})); }, {"BCELoss: prediction[0] = 1.5 is not a probability"});
    CHECK(bce.forward(Tensor::full({1}, 0.5f), Tensor::full({1}, 1.0f)) == doctest::Approx(std::log(2.0)));

    // argmax takes a NaN for the largest value, as torch.argmax ([1, nan, 5] -> 1, [nan, nan, 1] -> 0).
    const auto am = nnfs::argmax(Tensor::from({3, 3}, std::vector<float>{1, kNaN, 5, kNaN, kNaN, 1, 1, 3, 3}));
    CHECK(am == std::vector<int32_t>{1, 0, 1});
}
}  // namespace

TEST_CASE("NaN and Inf in inputs") {
    // They flow through as values, as in torch (anomaly detection turns them into errors: test_anomaly.cpp),
    // on every instruction set (the vector exp and tanh clamped a NaN into a number before).
    namespace k = nnfs::kernels;
    const k::Isa saved = k::current_isa();
    for (k::Isa isa : {k::Isa::Reference, k::Isa::SSE2, k::Isa::AVX2, k::Isa::AVX512}) {
        if (static_cast<int>(isa) > static_cast<int>(k::supported_isa())) continue;
        k::set_max_isa(isa);
        const std::string name = k::isa_name(isa);
        CAPTURE(name);
        check_nan_and_inf();
    }
    k::set_max_isa(saved);
}

TEST_CASE("a label tensor of the wrong length") {
    nnfs::CrossEntropyLoss ce;
    const Tensor logits = ramp({2, 3});
    check_error([&] { ce.forward(logits, std::vector<int32_t>{0, 1, 2}); }, {"CrossEntropyLoss: 3 targets for logits [2, 3]"});
    check_error([&] { ce.forward(logits, std::vector<int32_t>{0}); }, {"CrossEntropyLoss: 1 targets for logits [2, 3]"});
    check_error([&] { ce.forward(logits, Tensor({3, 3})); }, {"CrossEntropyLoss: probability target [3, 3] for logits [2, 3]"});
    check_error([&] { ce.forward(logits, Tensor({2, 2})); }, {"CrossEntropyLoss: probability target [2, 2] for logits [2, 3]"});
    check_error([&] { ce.backward(); }, {"CrossEntropyLoss: backward called before forward"});
    nnfs::MSELoss mse;
    check_error([&] { mse.forward(logits, Tensor({2})); }, {"MSELoss: prediction [2, 3] and target [2] differ in shape"});
    nnfs::BCEWithLogitsLoss bcel;
    check_error([&] { bcel.forward(logits, Tensor({6})); }, {"BCEWithLogitsLoss: prediction [2, 3] and target [6] differ in shape"});
    // Metrics and data sets.
    const std::vector<int32_t> two{0, 1}, three{0, 1, 1};
    check_error([&] { nnfs::accuracy(two, three); }, {"accuracy: 2 predictions for 3 labels"});
    check_error([&] { nnfs::confusion_matrix(three, two, 2); }, {"confusion_matrix: 3 predictions for 2 labels"});
    const std::vector<float> f2{0, 1}, f3{0, 1, 2};
    check_error([&] { nnfs::mean_absolute_error(f2, f3); }, {"mean_absolute_error: 2 predictions for 3 labels"});
    nnfs::Dataset d;
    d.features = ramp({4, 2});
    d.labels = {0, 1, 0};
    check_error([&] { nnfs::DataLoader loader(d, 2); }, {"DataLoader: features [4, 2] for 3 labels, expected [3, *]"});
    check_error([&] { nnfs::train_test_split(d, 0.5, 1); }, {"train_test_split: features [4, 2] for 3 labels"});
    // The loss is usable after the failures: equal logits give log(3).
    CHECK(ce.forward(Tensor({2, 3}), two) == doctest::Approx(std::log(3.0)));
}

TEST_CASE("a module reused after its input size changed") {
    // A new batch size is fine: each call works on its own batch (buffers are resized, never stale).
    nnfs::manual_seed(2);
    nnfs::Sequential net, fresh;
    for (nnfs::Sequential* s : {&net, &fresh}) {
        s->emplace<nnfs::Linear>(3, 5);
        s->emplace<nnfs::BatchNorm1d>(5);
        s->emplace<nnfs::ReLU>();
        s->emplace<nnfs::Linear>(5, 2);
        s->emplace<nnfs::Softmax>();
    }
    net.forward(ramp({7, 3}));
    net.backward(ramp({7, 2}));
    net.forward(ramp({2, 3}, 0.1f));
    check_error([&] { net.backward(ramp({7, 2})); }, {"Sequential layer 4 backward: Softmax: grad_output [7, 2], expected [2, 2]"});
    check_usable(net, fresh, ramp({3, 3}, 0.3f), ramp({3, 2}, 0.2f));

    // A new width is an error naming the layer, the module and both shapes; the module stays as it was.
    for (const Kind& k : kinds()) {
        if (k.name == std::string("Linear(3 -> 4)") || k.name == std::string("BatchNorm1d(3)")) {
            CAPTURE(k.name);
            auto m = k.make();
            m->forward(ramp({4, 3}));
            check_error([&] { m->forward(ramp({4, 6})); }, {k.name, ": input [4, 6], expected [*, 3]"});
            check_error([&] { m->forward(ramp({12})); }, {k.name, ": input [12], expected [*, 3]"});
            check_error([&] { m->forward(Tensor({4, 3, 1})); }, {k.name, ": input [4, 3, 1], expected [*, 3]"});
            auto f = k.make();
            check_usable(*m, *f, ramp({4, 3}), ramp({4, k.out}, 0.5f));
        }
    }
    // Elementwise modules take any shape; backward follows the last forward's.
    nnfs::Tanh tanh_;
    tanh_.forward(ramp({4, 3}));
    tanh_.forward(ramp({2, 7}));
    CHECK(tanh_.backward(ramp({2, 7})).shape() == Shape{2, 7});
    check_error([&] { tanh_.backward(ramp({4, 3})); }, {"Tanh: grad_output [4, 3], expected [2, 7]"});
    // A standardizer fitted on 3 features refuses 4, and a model refuses weights of another architecture.
    nnfs::Standardizer z;
    z.fit(ramp({5, 3}));
    Tensor wide = ramp({2, 4});
    check_error([&] { z.transform(wide); }, {"Standardizer::transform: data [2, 4], expected [*, 3]"});
    nnfs::Sequential small;
    small.emplace<nnfs::Linear>(3, 4);
    const std::string path = "misuse_arch.nnfs";
    nnfs::save(small, path);
    nnfs::Sequential other;
    auto& o = other.emplace<nnfs::Linear>(4, 4);
    const Tensor before = o.weight().value;
    check_error([&] { nnfs::load(other, path); }, {"load: '" + path + "': tensor '0.weight' is [4, 3] in the file, [4, 4] in"});
    check_equal(o.weight().value, before, "weight after the failed load");
    nnfs::Sequential deeper;
    deeper.emplace<nnfs::Linear>(3, 4);
    deeper.emplace<nnfs::Linear>(4, 4);
    check_error([&] { nnfs::load(deeper, path); }, {"has no tensor '1.weight'"});
    std::remove(path.c_str());
}

// ------------------------------------------------------------------------------------------------
// Other misuse

TEST_CASE("backward twice without a forward in between adds the same gradients again") {
    // Documented result: a module's backward is a function of what its forward kept, so a second call
    // returns the same input gradient and accumulates the parameter gradients once more (torch refuses a
    // second backward through a freed graph; with retain_graph=True it does this).
    nnfs::Linear l(3, 2);
    l.forward(ramp({4, 3}));
    const Tensor dx1 = l.backward(ramp({4, 2}, 0.5f));
    const Tensor g1 = l.weight().grad;
    const Tensor dx2 = l.backward(ramp({4, 2}, 0.5f));
    check_equal(dx2, dx1, "input gradient");
    for (int64_t i = 0; i < g1.numel(); ++i) CHECK(l.weight().grad.data()[i] == doctest::Approx(2.0 * g1.data()[i]).epsilon(1e-6));
}

TEST_CASE("backward after an eval-mode forward: Dropout is the identity, BatchNorm uses the running statistics") {
    // torch: Dropout(0.5).eval() passes dy = 3 unchanged; BatchNorm1d(2).eval() on [[1, 2], [3, -1]] with
    // dy [[1, 2], [3, 4]] gives dx = dy / sqrt(1 + 1e-5), dgamma [9.99995, 0], dbeta [4, 6].
    nnfs::Dropout drop(0.5f);
    drop.eval();
    drop.forward(Tensor::full({2, 2}, 1.0f));
    check_equal(drop.backward(Tensor::full({2, 2}, 3.0f)), Tensor::full({2, 2}, 3.0f), "Dropout eval gradient");
    nnfs::BatchNorm1d bn(2);
    bn.eval();
    bn.forward(Tensor::from({2, 2}, std::vector<float>{1, 2, 3, -1}));
    const Tensor dx = bn.backward(Tensor::from({2, 2}, std::vector<float>{1, 2, 3, 4}));
    const double k = 1.0 / std::sqrt(1.0 + 1e-5);
    for (int64_t i = 0; i < 4; ++i) CHECK(dx.data()[i] == doctest::Approx(static_cast<double>(i + 1) * k).epsilon(1e-6));
    CHECK(bn.weight().grad.data()[0] == doctest::Approx(9.99995).epsilon(1e-6));
    CHECK(bn.weight().grad.data()[1] == doctest::Approx(0.0));
    CHECK(bn.bias().grad.data()[0] == 4.0f);
    CHECK(bn.bias().grad.data()[1] == 6.0f);
    // The mode at forward time decides: a training forward, then eval(), then backward uses the batch statistics.
    nnfs::BatchNorm1d t1(2), t2(2);
    const Tensor x = ramp({4, 2}), dy = ramp({4, 2}, 0.5f);
    t1.forward(x);
    t2.forward(x);
    t1.eval();
    check_equal(t1.backward(dy), t2.backward(dy), "BatchNorm backward after eval() follows the training forward");
}

TEST_CASE("class-index labels out of range or negative") {
    nnfs::CrossEntropyLoss ce;
    const Tensor logits = ramp({3, 4});
    check_error([&] { ce.forward(logits, std::vector<int32_t>{0, 4, 1}); },
                {"CrossEntropyLoss: target[1] = 4 is out of range for 4 classes (logits [3, 4])"});
    check_error([&] { ce.forward(logits, std::vector<int32_t>{0, 1, -1}); },
                {"CrossEntropyLoss: target[2] = -1 is out of range for 4 classes"});
    check_error([&] { ce.forward(Tensor({2, 0}), std::vector<int32_t>{0, 0}); }, {"CrossEntropyLoss: logits [2, 0], expected [batch, classes]"});
    check_error([&] { nnfs::confusion_matrix(std::vector<int32_t>{0, 3}, std::vector<int32_t>{0, 1}, 3); },
                {"confusion_matrix: sample 1 has truth 1 and prediction 3, expected classes in [0, 3)"});
    const nnfs::ConfusionMatrix cm = nnfs::confusion_matrix(std::vector<int32_t>{0, 1}, std::vector<int32_t>{0, 1}, 2);
    check_error([&] { (void)cm.at(2, 0); }, {"ConfusionMatrix::at(2, 0): classes are in [0, 2)"});
    check_error([&] { (void)cm.at(0, -1); }, {"ConfusionMatrix::at(0, -1)"});
    nnfs::ConfusionMatrix broken{3, {1, 2}};
    check_error([&] { nnfs::classification_report(broken); }, {"classification_report: 2 counts for 3 classes, expected 9"});
    nnfs::Dataset d;
    d.features = ramp({4, 2});
    d.labels = {0, 1, -2, 1};
    check_error([&] { nnfs::train_test_split(d, 0.5, 1); }, {"train_test_split: label 2 is -2, expected a class index >= 0"});
}

TEST_CASE("optimizer hyper-parameters out of range") {
    // torch 1.13 raises ValueError for each of these ("Invalid learning rate: -1", "Invalid momentum value",
    // "Invalid weight_decay value", "Nesterov momentum requires a momentum and zero dampening", "Invalid
    // beta parameter at index 0: 1.0", "Invalid epsilon value"); it accepts lr = inf, which is refused here.
    Parameter p("w", Tensor::full({2}, 1.0f));
    using V = std::vector<Parameter*>;
    check_error([&] { nnfs::SGD o(V{&p}, {.lr = -1.0f}); }, {"SGD: learning rate -1, expected a finite value >= 0"});
    check_error([&] { nnfs::SGD o(V{&p}, {.lr = kInf}); }, {"SGD: learning rate inf"});
    check_error([&] { nnfs::SGD o(V{&p}, {.lr = kNaN}); }, {"SGD: learning rate nan"});
    check_error([&] { nnfs::SGD o(V{&p}, {.momentum = -1.0f}); }, {"SGD: momentum -1, expected >= 0"});
    check_error([&] { nnfs::SGD o(V{&p}, {.weight_decay = -1.0f}); }, {"SGD: weight_decay -1, expected >= 0"});
    check_error([&] { nnfs::SGD o(V{&p}, {.nesterov = true}); }, {"SGD: Nesterov momentum requires momentum > 0, got momentum 0"});
    check_error([&] { nnfs::Adam o(V{&p}, {.lr = -1.0f}); }, {"Adam: learning rate -1"});
    check_error([&] { nnfs::Adam o(V{&p}, {.beta1 = 1.0f}); }, {"Adam: beta1 1, expected in [0, 1)"});
    check_error([&] { nnfs::Adam o(V{&p}, {.beta1 = -0.1f}); }, {"Adam: beta1 -0.1, expected in [0, 1)"});
    check_error([&] { nnfs::Adam o(V{&p}, {.beta2 = 1.0f}); }, {"Adam: beta2 1, expected in [0, 1)"});
    check_error([&] { nnfs::Adam o(V{&p}, {.eps = -1.0f}); }, {"Adam: eps -1, expected >= 0"});
    check_error([&] { nnfs::Adam o(V{&p}, {.weight_decay = -1.0f}); }, {"Adam: weight_decay -1, expected >= 0"});
    check_error([&] { nnfs::AdamW o(V{&p}, {.beta2 = kNaN}); }, {"AdamW: beta2 nan"});
    check_error([&] { nnfs::AdamW o(V{&p}, {.weight_decay = -0.01f}); }, {"AdamW: weight_decay -0.01"});
    nnfs::SGD sgd(V{&p}, {.lr = 0.5f});
    check_error([&] { sgd.set_lr(-0.1f); }, {"SGD: learning rate -0.1"});
    CHECK(sgd.lr() == 0.5f);  // unchanged by the refused value
    p.grad.fill(1.0f);
    sgd.step();
    CHECK(p.value.data()[0] == 0.5f);
    // Modules too: Dropout(p) needs p in [0, 1], BatchNorm1d a finite eps >= 0 and momentum in [0, 1], Linear sizes >= 1.
    check_error([&] { nnfs::Dropout d(1.5f); }, {"Dropout(p = 1.5): p must be in [0, 1]"});
    check_error([&] { nnfs::BatchNorm1d b(3, -1.0f); }, {"BatchNorm1d(3): eps = -1, expected a finite value >= 0"});
    check_error([&] { nnfs::BatchNorm1d b(3, NAN); }, {"BatchNorm1d(3): eps = nan, expected a finite value >= 0"});
    check_error([&] { nnfs::BatchNorm1d b(3, 1e-5f, 2.0f); }, {"BatchNorm1d(3): momentum = 2, expected in [0, 1]"});
    check_error([&] { nnfs::Linear l(0, 3); }, {"Linear(0 -> 3): feature counts must be at least 1"});
    check_error([&] { nnfs::set_num_threads(0); }, {"set_num_threads: 0 threads, expected at least 1"});
    // Dropout(1) zeroes everything and its gradient (torch: Dropout(1.0) gives zeros), never 0 * inf.
    nnfs::Dropout all(1.0f);
    check_equal(all.forward(Tensor::full({2, 2}, 1.0f)), Tensor({2, 2}), "Dropout(1) output");
    check_equal(all.backward(Tensor::full({2, 2}, 1.0f)), Tensor({2, 2}), "Dropout(1) gradient");
}

TEST_CASE("parameters resized after the optimizer was built") {
    // The optimizer's state no longer fits: an error before anything is updated, not a write out of bounds.
    nnfs::Linear l(3, 2);
    nnfs::Adam adam(l.parameters());
    nnfs::SGD momentum(l.parameters(), {.momentum = 0.9f});
    nnfs::SGD plain(l.parameters(), {.lr = 0.5f});
    l.forward(ramp({2, 3}));
    l.backward(ramp({2, 2}));
    const Tensor b0 = l.bias().value;
    l.weight().value = Tensor::full({4, 3}, 1.0f);
    l.weight().grad = Tensor::full({4, 3}, 1.0f);
    check_error([&] { adam.step(); }, {"Adam: weight is [4, 3] but was [2, 3] when the optimizer was built"});
    check_error([&] { momentum.step(); }, {"SGD: weight is [4, 3] but was [2, 3] when the optimizer was built"});
    check_equal(l.bias().value, b0, "bias after the failed steps");
    CHECK((adam.step_count(0) == 0 && adam.step_count(1) == 0));
    // Plain SGD keeps no state: it updates the new shape, as torch does.
    plain.step();
    CHECK(l.weight().value.data()[11] == 0.5f);
}

TEST_CASE("a parameter or buffer reassigned with another shape") {
    // Their tensors are public (weights copied in by hand): one of another shape is an error naming the
    // module, the tensor and both shapes, never a read or write out of bounds (it was: a weight of [1] on a
    // Linear(2000 -> 2000) crashed in the product, a smaller one gave garbage, an empty grad a null write).
    const Tensor x = ramp({4, 3});
    {
        nnfs::Linear l(3, 2);
        l.weight().value = Tensor::full({4, 7}, 1.0f);
        check_error([&] { l.forward(x); }, {"Linear(3 -> 2): weight is [4, 7], expected [2, 3]"});
        l.weight().value = Tensor::full({2, 3}, 1.0f);
        l.bias().value = Tensor();
        check_error([&] { l.forward(x); }, {"Linear(3 -> 2): bias is [0], expected [2]"});
        l.bias().value = Tensor({2});
        l.forward(x);
        l.weight().grad = Tensor();
        check_error([&] { l.backward(ramp({4, 2})); }, {"Linear(3 -> 2): weight.grad is [0], expected [2, 3]"});
        l.weight().grad = Tensor({2, 3});
        l.bias().grad = Tensor({3});
        check_error([&] { l.backward(ramp({4, 2})); }, {"Linear(3 -> 2): bias.grad is [3], expected [2]"});
        l.bias().grad = Tensor({2});
        CHECK(l.backward(ramp({4, 2})).shape() == Shape{4, 3});
        l.weight().value = Tensor({3, 2});  // after a good forward: the backward's dx = dy W reads it too
        check_error([&] { l.backward(ramp({4, 2})); }, {"Linear(3 -> 2): weight is [3, 2], expected [2, 3]"});
    }
    {
        // The fused Linear + activation of a Sequential checks the same.
        nnfs::Sequential net;
        auto& l = net.emplace<nnfs::Linear>(3, 5);
        net.emplace<nnfs::ReLU>();
        net.forward(x);
        l.weight().value = Tensor::full({1}, 1.0f);
        check_error([&] { net.forward(x); }, {"Linear(3 -> 5): weight is [1], expected [5, 3]"});
    }
    {
        nnfs::BatchNorm1d bn(3);
        bn.running_var() = Tensor::full({1}, 1.0f);
        bn.eval();
        check_error([&] { bn.forward(x); }, {"BatchNorm1d(3): running_var is [1], expected [3]"});
        bn.train();
        check_error([&] { bn.forward(x); }, {"BatchNorm1d(3): running_var is [1], expected [3]"});
        bn.running_var() = Tensor::full({3}, 1.0f);
        bn.running_mean() = Tensor({3, 1});
        check_error([&] { bn.forward(x); }, {"BatchNorm1d(3): running_mean is [3, 1], expected [3]"});
        bn.running_mean() = Tensor({3});
        bn.weight().value = Tensor({2});
        check_error([&] { bn.forward(x); }, {"BatchNorm1d(3): weight is [2], expected [3]"});
        bn.weight().value = Tensor::full({3}, 1.0f);
        bn.bias().value = Tensor({4});
        check_error([&] { bn.forward(x); }, {"BatchNorm1d(3): bias is [4], expected [3]"});
        bn.bias().value = Tensor({3});
        bn.forward(x);
        bn.weight().grad = Tensor();
        check_error([&] { bn.backward(ramp({4, 3})); }, {"BatchNorm1d(3): weight.grad is [0], expected [3]"});
        bn.weight().grad = Tensor({3});
        bn.bias().grad = Tensor({1});
        check_error([&] { bn.backward(ramp({4, 3})); }, {"BatchNorm1d(3): bias.grad is [1], expected [3]"});
        bn.bias().grad = Tensor({3});
        CHECK(bn.backward(ramp({4, 3})).shape() == Shape{4, 3});
    }
}

TEST_CASE("optimizer state vectors emptied or cut short through their accessors") {
    // exp_avg(), exp_avg_sq() and velocity() hand out the vectors: a step over fewer tensors than
    // parameters is an error before anything is updated, not a read past the vector.
    nnfs::Linear l(3, 2);
    l.forward(ramp({2, 3}));
    l.backward(ramp({2, 2}));
    const Tensor w0 = l.weight().value;
    nnfs::Adam adam(l.parameters());
    adam.exp_avg().clear();
    check_error([&] { adam.step(); }, {"Adam: exp_avg holds 0 tensors, expected one per parameter (2)"});
    nnfs::AdamW adamw(l.parameters());
    adamw.exp_avg_sq().pop_back();
    check_error([&] { adamw.step(); }, {"AdamW: exp_avg_sq holds 1 tensors, expected one per parameter (2)"});
    nnfs::SGD momentum(l.parameters(), {.momentum = 0.9f});
    momentum.velocity().clear();
    check_error([&] { momentum.step(); }, {"SGD: velocity holds 0 tensors, expected one per parameter (2)"});
    check_equal(l.weight().value, w0, "weight after the refused steps");
    CHECK((adam.step_count(0) == 0 && adam.step_count(1) == 0));
    // Without momentum there is no velocity: one added by hand is not used.
    nnfs::SGD plain(l.parameters(), {.lr = 0.5f});
    plain.velocity().push_back(Tensor({7}));
    plain.step();
    CHECK(l.weight().value.data()[0] == w0.data()[0] - 0.5f * l.weight().grad.data()[0]);
}

TEST_CASE("DataLoader: no batch size, no batches, a data set that changed") {
    nnfs::Dataset d;
    d.features = ramp({5, 2});
    d.labels = {0, 1, 0, 1, 0};
    check_error([&] { nnfs::DataLoader l(d, 0); }, {"DataLoader: batch_size 0, expected >= 1"});
    check_error([&] { nnfs::DataLoader l(d, -3); }, {"DataLoader: batch_size -3, expected >= 1"});
    nnfs::Dataset empty;
    check_error([&] { nnfs::DataLoader l(empty, 2); }, {"DataLoader: empty data set"});
    // A negative label, as train_test_split refuses it (found by a campaign: the loader took it silently).
    nnfs::Dataset negative = d;
    negative.labels[3] = -1;
    check_error([&] { nnfs::DataLoader l(negative, 2); }, {"DataLoader: label 3 is -1, expected a class index >= 0"});
    // drop_last with fewer samples than a batch: epochs without batches (torch: len(loader) == 0).
    nnfs::DataLoader few(d, 8, {.drop_last = true});
    CHECK(few.batches_per_epoch() == 0);
    few.start_epoch();
    CHECK_FALSE(few.next());
    // The data set grew after the loader was made: refused rather than read past the loader's order.
    nnfs::DataLoader loader(d, 2, {.shuffle = false});
    d.features = ramp({6, 2});
    d.labels.push_back(1);
    check_error([&] { loader.next(); }, {"DataLoader: the data set has 6 samples, it had 5 when the loader was made"});
    d.features = ramp({5, 2});
    d.labels.pop_back();
    loader.start_epoch();
    int batches = 0;
    while (loader.next()) ++batches;
    CHECK(batches == 3);
}

TEST_CASE("Standardizer before fit or on another width") {
    nnfs::Standardizer z;
    Tensor x = ramp({3, 2});
    check_error([&] { z.transform(x); }, {"Standardizer::transform: not fitted"});
    check_error([&] { z.fit(Tensor({6})); }, {"Standardizer::fit: data [6], expected [samples >= 1, features >= 1]"});
    check_error([&] { nnfs::Standardizer s(Tensor({2}), Tensor::full({3}, 1.0f)); }, {"Standardizer: mean [2] and scale [3]"});
    check_error([&] { nnfs::Standardizer s(Tensor({2}), Tensor({2})); }, {"Standardizer: scale[0] = 0, expected finite and > 0"});
    z.fit(x);
    Tensor narrow = ramp({3, 1});
    check_error([&] { z.transform(narrow); }, {"Standardizer::transform: data [3, 1], expected [*, 2]"});
    z.transform(x);
    for (int64_t j = 0; j < 2; ++j) {
        double mean = 0;
        for (int64_t i = 0; i < 3; ++i) mean += x.t(i, j);
        CHECK(mean / 3 == doctest::Approx(0.0).scale(1.0));
    }
}

TEST_CASE("Tensor and Shape indexing out of range") {
    const Tensor t = ramp({2, 3});
    check_error([&] { (void)t.size(2); }, {"Tensor::size: dimension 2 of a tensor of shape [2, 3]"});
    check_error([&] { (void)t.size(-3); }, {"Tensor::size: dimension -3 of a tensor of shape [2, 3]"});
    CHECK(t.size(-1) == 3);
    check_error([&] { (void)t.shape()[2]; }, {"Shape [2, 3]: no dimension 2"});
    check_error([&] { Tensor::from({2, 2}, std::vector<float>{1, 2, 3}); }, {"Tensor::from: 3 values for shape [2, 2] (4 elements)"});
    Tensor r = ramp({2, 3});
    check_error([&] { r.reshape({4, 2}); }, {"Tensor::reshape: [2, 3] (6 elements) to [4, 2]"});
    CHECK(r.shape() == Shape{2, 3});  // unchanged
    r.reshape({3, 2});
    CHECK(r.shape() == Shape{3, 2});
    check_error([&] { Tensor bad({2, -1}); }, {"Shape: size -1 of dimension 1 is negative"});
    check_error([&] { Tensor five({1, 1, 1, 1, 1}); }, {"Shape: 5 dimensions, at most 4 are supported"});
    check_error([&] { (void)Shape{int64_t{1} << 40, int64_t{1} << 40}; }, {"Shape [1099511627776, 1099511627776]: too many elements"});
    // As PyTorch ("Storage size calculation overflowed"): the non-zero sizes' product must fit too, as
    // strides and row counts are products of some of the sizes.
    check_error([&] { (void)Shape{int64_t{1} << 40, int64_t{1} << 40, 0}; }, {"Shape [1099511627776, 1099511627776, 0]: too many elements"});
    CHECK(Shape({int64_t{1} << 40, 0, int64_t{1} << 20}).numel() == 0);
    nnfs::Sequential net;
    net.emplace<nnfs::ReLU>();
    check_error([&] { (void)net[1]; }, {"Sequential: no module 1 (size 1)"});
    check_error([&] { nnfs::Softmax().forward(Tensor(Shape{})); }, {"Softmax: input [] has no last dimension"});
}

TEST_CASE("Sequential backward after a failed forward is refused until a forward succeeds") {
    // The layers before the failure hold the failed call's state, the others an earlier call's: backward
    // would mix two batches.
    nnfs::Sequential net, fresh;
    for (nnfs::Sequential* s : {&net, &fresh}) add_3_4_2(*s);
    net.forward(ramp({2, 3}));
    check_error([&] { net.forward(ramp({2, 5})); }, {"Sequential layer 0 forward: Linear(3 -> 4): input [2, 5], expected [*, 3]"});
    check_error([&] { net.backward(ramp({2, 2})); }, {"Sequential backward: the last forward failed at layer 0 (Linear(3 -> 4))"});
    check_usable(net, fresh, ramp({2, 3}), ramp({2, 2}));

    // As in PyTorch, the layers before the one that fails have run their forward (documented in the README).
    nnfs::Sequential bn_first;
    auto& bn = bn_first.emplace<nnfs::BatchNorm1d>(3);
    bn_first.emplace<nnfs::Linear>(4, 2);
    check_error([&] { bn_first.forward(ramp({2, 3})); }, {"Sequential layer 1 forward: Linear(4 -> 2): input [2, 3], expected [*, 4]"});
    nnfs::BatchNorm1d alone(3);
    alone.forward(ramp({2, 3}));
    check_equal(bn.running_mean(), alone.running_mean(), "running mean of the layer before the failure");
}

TEST_CASE("Sequential backward after a child ran a forward of its own is refused before any gradient moves") {
    // The child's state is that call's (another batch, or other data of the same size), not the state of
    // the batch the Sequential's backward differentiates; found by a helper's campaign: the later layers
    // had added their gradients when the child refused the gradient's shape.
    for (int64_t other_rows : {7, 5}) {
        CAPTURE(other_rows);
        nnfs::manual_seed(1);
        nnfs::Sequential net, fresh;
        for (nnfs::Sequential* s : {&net, &fresh}) add_3_4_2(*s);
        net.forward(ramp({5, 3}));
        net[0].forward(ramp({other_rows, 3}, 0.4f));  // inspecting the first layer on other data
        check_error([&] { net.backward(ramp({5, 2})); },
                    {"Sequential backward: layer 0 (Linear(3 -> 4)) ran a forward of its own after this Sequential's forward"});
        for (const Parameter* p : net.parameters()) {
            CAPTURE(p->name);
            CHECK_FALSE(p->has_grad);
            check_equal(p->grad, Tensor::zeros(p->grad.shape()), "gradient after the refused backward");
        }
        check_usable(net, fresh, ramp({5, 3}), ramp({5, 2}));  // a forward of the whole makes it usable
    }
    // A nested Sequential run on its own counts as its children do.
    nnfs::Sequential outer;
    auto& inner = outer.emplace<nnfs::Sequential>();
    inner.emplace<nnfs::Linear>(3, 4);
    outer.emplace<nnfs::Linear>(4, 2);
    outer.forward(ramp({5, 3}));
    inner.forward(ramp({5, 3}));
    check_error([&] { outer.backward(ramp({5, 2})); }, {"Sequential backward: layer 0 (Sequential(Linear(3 -> 4))) ran a forward of its own"});
}
