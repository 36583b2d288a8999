// Vector (non-GEMM) kernels: every instruction-set path (forced through nnfs::kernels::set_max_isa)
// against the scalar reference nnfs::kernels::ref, on sizes around the vector widths (4, 8, 16 floats)
// and beyond, and on extreme values (+-1e4, +-100, the exp overflow and underflow edges, 0, -0,
// subnormals).
//
// Tolerances are relative to the reference (numpy.allclose form: |a - b| <= atol + rtol |b|); each
// states why. Most elementwise results must be equal up to a few ulp: the vector exp / tanh are
// within 2e-7 of the exact value (tests/test_vector_math.cpp), std::expf / std::tanhf within 1 ulp,
// so two results differ by < 4e-7 relative; rtol 1e-6 leaves a factor 2.5.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/activation_name.hpp"
#include "nnfs/kernels.hpp"
#include "support/tolerance.hpp"
#include "support/isas.hpp"
#include "simd/vector_isa.hpp"

namespace k = nnfs::kernels;
using k::Activation;
using k::Isa;
using nnfs::test::check_close;

namespace {

constexpr double kEps = std::numeric_limits<float>::epsilon();
// Below FLT_MIN results are subnormal: they carry an absolute precision of about 1e-45, not a
// relative one. atol 1e-37 covers that and is invisible for normal results.
constexpr double kTiny = 1e-37;

// Restores the ISA cap and thread count a test changed.
struct Restore {
    Isa isa = k::current_isa();
    int threads = k::get_num_threads();
    ~Restore() {
        k::set_max_isa(isa);
        k::set_num_threads(threads);
    }
};

// Sizes around 4, 8 and 16 floats, a few vectors and a long run with a tail.
const std::vector<int64_t> kSizes = {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 65, 100, 257, 1003, 4099};

// n values uniform in [lo, hi); with `extremes`, every 7th is one of the edge values below.
std::vector<float> values(int64_t n, uint32_t seed, float lo = -5.0f, float hi = 5.0f, bool extremes = false) {
    static const float kEdges[] = {1e4f,   -1e4f,  100.0f, -100.0f, 88.5f,  -88.5f, 89.0f,  -89.0f, 103.0f,
                                   -103.0f, 104.0f, -104.0f, 0.0f,  -0.0f,  1e-40f, -1e-40f, 1.2e-38f, 20.0f,
                                   -20.0f,  0.625f, -0.625f, 9.0f,  -9.0f,  87.3f,  -87.3f};
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(static_cast<size_t>(n));
    size_t e = 0;
    for (size_t i = 0; i < v.size(); ++i)
        v[i] = extremes && i % 7 == 3 ? kEdges[e++ % std::size(kEdges)] : u(rng);
    return v;
}

std::string where(const char* what, int64_t n) {
    std::ostringstream s;
    s << what << " [" << k::isa_name(k::current_isa()) << "] n=" << n;
    return s.str();
}
std::string where(const char* what, int64_t rows, int64_t cols) {
    std::ostringstream s;
    s << what << " [" << k::isa_name(k::current_isa()) << "] " << rows << "x" << cols;
    return s.str();
}

// Every element within tol(i) of the reference (NaN only where the reference has NaN); reports the worst.
template <class Tol>
void check_each(const std::vector<float>& got, const std::vector<float>& want, Tol tol, const std::string& what) {
    REQUIRE(got.size() == want.size());
    double worst = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < got.size(); ++i) {
        double r = std::abs(double{got[i]} - double{want[i]}) / tol(i);
        if (std::isnan(got[i]) != std::isnan(want[i])) r = INFINITY;
        if (got[i] == want[i] || (std::isnan(got[i]) && std::isnan(want[i]))) r = 0.0;
        if (!(r <= worst)) worst = std::isnan(r) ? INFINITY : r, at = i;
    }
    CHECK_MESSAGE(worst <= 1.0, what << ": element " << at << " is " << got[at] << ", expected " << want[at]
                                     << " (tolerance " << tol(at) << ")");
}

// Equal to the reference (the same float expression, no contraction possible).
void check_equal(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
    check_each(got, want, [](size_t) { return 1e-300; }, what);
}

void check_scalar(double got, double want, double rtol, const std::string& what) {
    CHECK_MESSAGE(std::abs(got - want) <= rtol * std::abs(want) + 1e-30,
                  what << ": " << got << ", expected " << want << " (rtol " << rtol << ")");
}

using nnfs::test::act_name;
using nnfs::test::runnable_isas;

}  // namespace

TEST_CASE("kernel_info names the elementwise ISA") {
    Restore restore;
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        const std::string info = k::kernel_info();
        CHECK_MESSAGE(info.find(std::string("elementwise: ") + k::isa_name(isa)) != std::string::npos, info);
    }
}

TEST_CASE("activations forward and backward, in place too") {
    Restore restore;
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        for (Activation act : {Activation::Identity, Activation::ReLU, Activation::Sigmoid, Activation::Tanh}) {
            for (int64_t n : kSizes) {
                const std::vector<float> x = values(n, 11, -12.0f, 12.0f, true), dy = values(n, 12);
                std::vector<float> y(x.size(), NAN), want(x.size(), NAN);
                k::activation_forward(act, y.data(), x.data(), n);
                k::ref::activation_forward(act, want.data(), x.data(), n);
                check_close(y, want, 1e-6, kTiny, where(act_name(act), n) + " forward");
                std::vector<float> inplace = x;
                k::activation_forward(act, inplace.data(), inplace.data(), n);
                check_equal(inplace, y, where(act_name(act), n) + " in place");
                // Backward from the reference's y: the same float operations (the ISA units are
                // built with -ffp-contract=off), so bitwise equal.
                std::vector<float> dx(x.size(), NAN), dx_want(x.size(), NAN);
                k::activation_backward(act, dx.data(), dy.data(), want.data(), n);
                k::ref::activation_backward(act, dx_want.data(), dy.data(), want.data(), n);
                check_equal(dx, dx_want, where(act_name(act), n) + " backward");
            }
        }
    }
}

TEST_CASE("multiply and fill are exact") {
    Restore restore;
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        for (int64_t n : kSizes) {
            const std::vector<float> a = values(n, 21, -1e3f, 1e3f, true), b = values(n, 22);
            std::vector<float> got(a.size() + 1, -7.0f), want(a.size() + 1, -7.0f);
            k::multiply(got.data(), a.data(), b.data(), n);
            k::ref::multiply(want.data(), a.data(), b.data(), n);
            check_equal(got, want, where("multiply", n));
            k::fill(got.data(), 2.5f, n);
            CHECK(std::count(got.begin(), got.end() - 1, 2.5f) == n);
            CHECK(got.back() == -7.0f);  // nothing past n written
        }
    }
}

namespace {

// Rows x cols logits: rows of moderate values, rows containing +-1e4 / +-100 / 0, and a constant row.
std::vector<float> logits(int64_t rows, int64_t cols, uint32_t seed) {
    std::vector<float> x = values(rows * cols, seed, -8.0f, 8.0f);
    for (int64_t i = 0; i < rows; ++i) {
        float* r = x.data() + i * cols;
        if (i % 4 == 1) for (int64_t j = 0; j < cols; j += 3) r[j] = j % 2 ? 1e4f : -1e4f;
        if (i % 4 == 2) for (int64_t j = 0; j < cols; j += 2) r[j] = j % 4 ? 100.0f : -100.0f;
        if (i % 4 == 3) std::fill(r, r + cols, 0.0f);
    }
    return x;
}

// A row of probabilities (non-negative, summing to about 1; rows of 1 column hold 1).
std::vector<float> distributions(int64_t rows, int64_t cols, uint32_t seed) {
    std::vector<float> p = values(rows * cols, seed, 0.0f, 1.0f);
    for (int64_t i = 0; i < rows; ++i) {
        float s = 0.0f;
        for (int64_t j = 0; j < cols; ++j) s += p[static_cast<size_t>(i * cols + j)];
        for (int64_t j = 0; j < cols; ++j) p[static_cast<size_t>(i * cols + j)] /= s;
    }
    return p;
}

const std::vector<std::pair<int64_t, int64_t>> kShapes = {{1, 1},  {5, 1},   {3, 2},  {4, 7},   {4, 10},
                                                          {2, 15}, {3, 16},  {3, 17}, {4, 33},  {8, 100},
                                                          {2, 1003}, {1, 4099}, {64, 10}};

}  // namespace

// Softmax error budget. s = sum_j exp(x_j - m): the vector kernel sums float exps (each within 2e-7)
// in runs of at most 11 float additions flushed into double, so s is within ~1e-6 relative and
// log_sum = log s within 1e-6 absolute of the reference's (double sum). Log-softmax
// lp = (x - m) - log_sum is the reference's float expression (the same x - m; the subtraction may
// round to a neighbour: 1 ulp of lp), so |d lp| <= 1e-6 + 2 eps |lp|. Softmax: the kernel's
// exp(x - m) (1 / s) is within 2e-7 + 2 ulp + 1e-6 of exact, the reference's exp(lp) within ~1e-7 +
// eps |lp| (its rounding of lp): |d y| <= y (1.5e-6 + 2 eps |lp|).
TEST_CASE("softmax, log-softmax and softmax backward") {
    Restore restore;
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        for (auto [rows, cols] : kShapes) {
            const std::vector<float> x = logits(rows, cols, 31), dy = values(rows * cols, 32);
            std::vector<float> y(x.size(), NAN), want(x.size(), NAN), lp(x.size(), NAN), lp_want(x.size(), NAN);
            k::softmax_forward(y.data(), x.data(), rows, cols);
            k::ref::softmax_forward(want.data(), x.data(), rows, cols);
            k::ref::log_softmax_forward(lp_want.data(), x.data(), rows, cols);
            check_each(y, want, [&](size_t i) { return want[i] * (1.5e-6 + 2 * kEps * std::abs(lp_want[i])) + kTiny; },
                       where("softmax", rows, cols));
            k::log_softmax_forward(lp.data(), x.data(), rows, cols);
            check_each(lp, lp_want, [&](size_t i) { return 1.5e-6 + 2 * kEps * std::abs(lp_want[i]); },
                       where("log_softmax", rows, cols));
            // Backward: diff = y (dy - dot), dot summed in float runs into double, so within
            // 1e-6 sum_k |dy_k y_k| <= 1e-6 max |dy| (the y sum to 1) of the reference's; the rest is
            // the same float expression (one rounding apart): |d diff| <= y 1e-6 max|dy| + 2 eps |diff|.
            std::vector<float> dx(x.size(), NAN), dx_want(x.size(), NAN);
            k::softmax_backward(dx.data(), dy.data(), want.data(), rows, cols);
            k::ref::softmax_backward(dx_want.data(), dy.data(), want.data(), rows, cols);
            check_each(dx, dx_want, [&](size_t i) { return want[i] * 5e-6 + 2 * kEps * std::abs(dx_want[i]) + kTiny; },
                       where("softmax_backward", rows, cols));
        }
    }
}

// Short rows go W rows at a time across the lanes (AVX-512: 16 rows of up to 32 columns, AVX2: 8 of
// up to 20): every row count 1 .. 3 * 16 + 1 (whole blocks and every partial last block) and 1 .. 34
// columns (one to three tiles, and the row path past the limits), with +-1e4 / +-100 / constant rows, -inf logits, and rows holding NaN, +inf or only
// -inf (NaN rows, as the reference). Tolerances as above; a row's result is also bitwise that of the
// same row alone (it does not depend on the block or lane it lands in).
TEST_CASE("short rows: softmax, log-softmax and cross-entropy for every row count and width") {
    Restore restore;
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        for (int64_t cols = 1; cols <= 34; ++cols) {
            for (int64_t rows = 1; rows <= 49; ++rows) {
                const auto n = static_cast<size_t>(rows * cols);
                std::vector<float> x = logits(rows, cols, static_cast<uint32_t>(1000 + 64 * cols + rows));
                std::vector<float> xs = x;  // special values: softmax only (they make the mean loss NaN)
                for (int64_t i = 0; i < rows; ++i) {
                    float* r = xs.data() + i * cols;
                    if (i % 5 == 0 && cols > 1) r[(i / 5) % cols] = -inf;
                    if (i % 7 == 4) r[i % cols] = nan;
                    if (i % 11 == 6) r[(i + 1) % cols] = inf;
                    if (i % 13 == 9) std::fill(r, r + cols, -inf);
                }
                std::vector<float> y(n, NAN), want(n, NAN), lp(n, NAN), lp_want(n, NAN), one(static_cast<size_t>(cols));
                k::softmax_forward(y.data(), xs.data(), rows, cols);
                k::ref::softmax_forward(want.data(), xs.data(), rows, cols);
                k::ref::log_softmax_forward(lp_want.data(), xs.data(), rows, cols);
                check_each(y, want, [&](size_t i) { return want[i] * (1.5e-6 + 2 * kEps * std::abs(lp_want[i])) + kTiny; },
                           where("short softmax", rows, cols));
                k::log_softmax_forward(lp.data(), xs.data(), rows, cols);
                check_each(lp, lp_want, [&](size_t i) { return 1.5e-6 + 2 * kEps * std::abs(lp_want[i]); },
                           where("short log_softmax", rows, cols));
                for (int64_t i = 0; i < rows; i += 3) {
                    const std::vector<float> row(xs.begin() + i * cols, xs.begin() + (i + 1) * cols);
                    k::softmax_forward(one.data(), row.data(), 1, cols);
                    check_equal(one, std::vector<float>(y.begin() + i * cols, y.begin() + (i + 1) * cols),
                                where("short softmax, row alone", i, cols));
                    k::log_softmax_forward(one.data(), row.data(), 1, cols);
                    check_equal(one, std::vector<float>(lp.begin() + i * cols, lp.begin() + (i + 1) * cols),
                                where("short log_softmax, row alone", i, cols));
                }

                // Cross-entropy: -inf logits off the target only (a finite mean loss).
                std::vector<int32_t> t(static_cast<size_t>(rows));
                for (int64_t i = 0; i < rows; ++i) {
                    t[static_cast<size_t>(i)] = static_cast<int32_t>((i * 7 + 3) % cols);
                    if (i % 3 == 0 && cols > 1) x[static_cast<size_t>(i * cols + (t[static_cast<size_t>(i)] + 1) % cols)] = -inf;
                }
                const std::vector<float> p = distributions(rows, cols, static_cast<uint32_t>(2000 + rows));
                std::vector<float> prob(n, NAN), prob_want(n, NAN);
                k::ref::log_softmax_forward(lp_want.data(), x.data(), rows, cols);
                auto prob_tol = [&](size_t i) { return prob_want[i] * (1.5e-6 + 2 * kEps * std::abs(lp_want[i])) + kTiny; };
                const float loss = k::cross_entropy_forward(prob.data(), x.data(), t.data(), rows, cols);
                const float loss_want = k::ref::cross_entropy_forward(prob_want.data(), x.data(), t.data(), rows, cols);
                CHECK_MESSAGE(std::abs(loss - loss_want) <= 2e-6 + 2e-6 * std::abs(loss_want),
                              where("short ce", rows, cols) << ": " << loss << " vs " << loss_want);
                check_each(prob, prob_want, prob_tol, where("short ce prob", rows, cols));
                // Probability targets: a -inf logit under a zero target weight is 0 * -inf = NaN (as torch),
                // so the probability loss takes the logits without them.
                const std::vector<float> xf = logits(rows, cols, static_cast<uint32_t>(3000 + rows));
                k::ref::log_softmax_forward(lp_want.data(), xf.data(), rows, cols);
                const float loss_p = k::cross_entropy_prob_forward(prob.data(), xf.data(), p.data(), rows, cols);
                const float loss_p_want = k::ref::cross_entropy_prob_forward(prob_want.data(), xf.data(), p.data(), rows, cols);
                CHECK_MESSAGE(std::abs(loss_p - loss_p_want) <= 2e-6 + 2e-6 * std::abs(loss_p_want),
                              where("short ce_prob", rows, cols) << ": " << loss_p << " vs " << loss_p_want);
                check_each(prob, prob_want, prob_tol, where("short ce_prob prob", rows, cols));
            }
        }
    }
}

// Cross-entropy: prob as softmax above. The loss of a row is log_sum - (x_t - m) (indices) or
// -sum_j p_j lp_j (probabilities), non-negative terms: each within 1e-6 + 2 eps |lp| absolute of
// the reference's, hence the mean within ~1e-6 absolute plus 1e-6 relative.
TEST_CASE("cross-entropy on logits: indices and probabilities, forward and backward") {
    Restore restore;
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        for (const auto& shape : kShapes) {
            // Not a structured binding: clang before 16 cannot capture one in a lambda (CAPTURE, [&]).
            const int64_t rows = shape.first, cols = shape.second;
            const std::vector<float> x = logits(rows, cols, 41), p = distributions(rows, cols, 42);
            std::vector<int32_t> t(static_cast<size_t>(rows));
            for (int64_t i = 0; i < rows; ++i) t[static_cast<size_t>(i)] = static_cast<int32_t>((i * 7 + 3) % cols);
            std::vector<float> lp_want(x.size());
            k::ref::log_softmax_forward(lp_want.data(), x.data(), rows, cols);
            std::vector<float> prob(x.size(), NAN), prob_want(x.size(), NAN);
            const float loss = k::cross_entropy_forward(prob.data(), x.data(), t.data(), rows, cols);
            const float loss_want = k::ref::cross_entropy_forward(prob_want.data(), x.data(), t.data(), rows, cols);
            CHECK_MESSAGE(std::abs(loss - loss_want) <= 2e-6 + 2e-6 * std::abs(loss_want), where("ce", rows, cols) << ": " << loss << " vs " << loss_want);
            auto prob_tol = [&](size_t i) { return prob_want[i] * (1.5e-6 + 2 * kEps * std::abs(lp_want[i])) + kTiny; };
            check_each(prob, prob_want, prob_tol, where("ce prob", rows, cols));
            const float loss_p = k::cross_entropy_prob_forward(prob.data(), x.data(), p.data(), rows, cols);
            const float loss_p_want = k::ref::cross_entropy_prob_forward(prob_want.data(), x.data(), p.data(), rows, cols);
            CHECK_MESSAGE(std::abs(loss_p - loss_p_want) <= 2e-6 + 2e-6 * std::abs(loss_p_want),
                          where("ce_prob", rows, cols) << ": " << loss_p << " vs " << loss_p_want);
            check_each(prob, prob_want, prob_tol, where("ce_prob prob", rows, cols));
            // Backward from the reference's prob: scale (prob - onehot) is the same float expression;
            // scale (prob mass - p) too, with the mass summed in float runs into double instead of in
            // double: it may round to a neighbouring float (1 ulp of mass ~ 1), i.e. 2 eps prob scale.
            const float scale = 1.0f / static_cast<float>(rows);
            std::vector<float> d(x.size(), NAN), d_want(x.size(), NAN);
            k::cross_entropy_backward(d.data(), prob_want.data(), t.data(), rows, cols, scale);
            k::ref::cross_entropy_backward(d_want.data(), prob_want.data(), t.data(), rows, cols, scale);
            check_equal(d, d_want, where("ce backward", rows, cols));
            k::cross_entropy_prob_backward(d.data(), prob_want.data(), p.data(), rows, cols, scale);
            k::ref::cross_entropy_prob_backward(d_want.data(), prob_want.data(), p.data(), rows, cols, scale);
            check_each(d, d_want, [&](size_t i) { return 2 * kEps * scale * prob_want[i] + kTiny; },
                       where("ce_prob backward", rows, cols));
        }
    }
}

// MSE, BCE, BCE with logits: forward terms are non-negative and within a few ulp (2.4e-7) of the
// exact ones, summed in float runs of <= 11 additions into double: the mean is within 1e-6
// relative of the reference's (double throughout); rtol 2e-6. Backward: the same float expressions
// as the reference (sigmoid: the vector one, within 2e-7 + the reference's 1 ulp).
TEST_CASE("MSE, BCE and BCE with logits") {
    Restore restore;
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        for (int64_t n : kSizes) {
            const std::vector<float> pred = values(n, 51, -3.0f, 3.0f, false), t01 = values(n, 52, 0.0f, 1.0f);
            std::vector<float> prob = values(n, 53, 0.0f, 1.0f), logit = values(n, 54, -30.0f, 30.0f, true);
            std::vector<float> t_hard = t01;
            for (size_t i = 0; i < prob.size(); ++i) {
                if (i % 5 == 1) prob[i] = i % 2 ? 1.0f : 0.0f;       // log clamped at -100
                if (i % 5 == 2) prob[i] = i % 2 ? 1e-30f : 1e-7f;     // tiny: log1m exact
                t_hard[i] = t01[i] < 0.5f ? 0.0f : 1.0f;
            }
            const float scale = n > 0 ? 1.0f / static_cast<float>(n) : 1.0f;
            std::vector<float> d(pred.size(), NAN), d_want(pred.size(), NAN);

            check_scalar(k::mse_forward(pred.data(), t01.data(), n), k::ref::mse_forward(pred.data(), t01.data(), n), 2e-6, where("mse", n));
            k::mse_backward(d.data(), pred.data(), t01.data(), n, scale);
            k::ref::mse_backward(d_want.data(), pred.data(), t01.data(), n, scale);
            check_equal(d, d_want, where("mse backward", n));

            for (const std::vector<float>* t : {&t01, const_cast<const std::vector<float>*>(&t_hard)}) {
                check_scalar(k::bce_forward(prob.data(), t->data(), n), k::ref::bce_forward(prob.data(), t->data(), n), 2e-6, where("bce", n));
                k::bce_backward(d.data(), prob.data(), t->data(), n, scale);
                k::ref::bce_backward(d_want.data(), prob.data(), t->data(), n, scale);
                check_equal(d, d_want, where("bce backward", n));
                check_scalar(k::bce_logits_forward(logit.data(), t->data(), n),
                             k::ref::bce_logits_forward(logit.data(), t->data(), n), 2e-6, where("bce_logits", n));
                k::bce_logits_backward(d.data(), logit.data(), t->data(), n, scale);
                k::ref::bce_logits_backward(d_want.data(), logit.data(), t->data(), n, scale);
                // scale (sigmoid(x) - t) cancels when sigmoid(x) ~ t: the error is that of sigmoid
                // (vector 1.8e-7, reference ~1 ulp relative to sigmoid(x)) plus one rounding.
                check_each(d, d_want, [&](size_t i) {
                    const double sig = std::abs(double{d_want[i]} / scale + (*t)[i]);
                    return scale * 4e-7 * sig + 2 * kEps * std::abs(d_want[i]) + scale * kTiny;
                }, where("bce_logits backward", n));
            }
        }
    }
}

// BatchNorm training statistics of columns holding an infinity, or whose float squares overflow: the
// reference's values on every instruction set (found by an outside audit: the vector paths gave a NaN
// mean for {inf, 1, 2}, where the reference and PyTorch give inf, and invstd 0 for {3.4e38, 1, 2}).
TEST_CASE("batchnorm_forward_train: infinite and overflowing columns as the reference") {
    Restore restore;
    for (int64_t N : {int64_t{3}, int64_t{20}}) {
        const int64_t C = 5;
        std::vector<float> x(static_cast<size_t>(N * C));
        for (int64_t r = 0; r < N; ++r) {
            const float v = static_cast<float>(r % 3);
            x[static_cast<size_t>(r * C + 0)] = r == 0 ? INFINITY : v;
            x[static_cast<size_t>(r * C + 1)] = r == 0 ? 3.4e38f : v;
            x[static_cast<size_t>(r * C + 2)] = r == 0 ? -INFINITY : (r == 1 ? INFINITY : v);
            x[static_cast<size_t>(r * C + 3)] = r == 1 ? NAN : v;
            x[static_cast<size_t>(r * C + 4)] = r % 2 ? -3e38f : 3e38f;
        }
        const std::vector<float> gamma(C, 1.5f), beta(C, -0.25f);
        auto run = [&](bool ref) {
            std::vector<float> y(x.size()), xh(x.size()), mean(C), var(C), is(C);
            (ref ? k::ref::batchnorm_forward_train : k::batchnorm_forward_train)(y.data(), xh.data(), mean.data(), var.data(), is.data(),
                                                                                 x.data(), gamma.data(), beta.data(), N, C, 1e-5f);
            std::vector<float> all = y;
            for (const auto* v : {&xh, &mean, &var, &is}) all.insert(all.end(), v->begin(), v->end());
            return all;
        };
        const std::vector<float> want = run(true);
        for (Isa isa : runnable_isas(true)) {
            k::set_max_isa(isa);
            CAPTURE(std::string(k::isa_name(isa)));
            CAPTURE(N);
            const std::vector<float> got = run(false);
            CHECK(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0);
        }
    }
}

// A NaN probability makes BCE's mean NaN on every instruction set, as in the reference (found by an
// outside audit: the vector paths' max(log, -100) turned a NaN lane into -100).
TEST_CASE("bce_forward: a NaN probability gives NaN on every ISA") {
    Restore restore;
    std::vector<float> p(37, 0.5f), t(37, 1.0f);
    p[1] = NAN;
    t[1] = 0.0f;
    CHECK(std::isnan(k::ref::bce_forward(p.data(), t.data(), 37)));
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        CAPTURE(std::string(k::isa_name(isa)));
        CHECK(std::isnan(k::bce_forward(p.data(), t.data(), 37)));
    }
}

// Adam's sqrt(v) / sqrt(1 - b2^t) is a multiplication in double on AVX2 / AVX-512 (simd/optimizer_kernel.hpp
// argues it rounds as the division): the same bits as the reference, NaN payloads included, over state
// and gradients of every magnitude (v across the exponent range, subnormal, zero, infinite; NaN), betas
// giving b2 corrections from tiny to exactly 1, eps 0 and 1e-8, and many steps.
TEST_CASE("Adam / AdamW: bitwise the reference over extreme gradients, state and betas") {
    Restore restore;
    std::mt19937 rng(5);
    const int64_t n = 4099;
    auto wild = [&](float lo_exp, float hi_exp) {  // magnitudes 2^lo_exp .. 2^hi_exp, both signs, and specials
        std::vector<float> x(static_cast<size_t>(n));
        std::uniform_real_distribution<float> e(lo_exp, hi_exp), u(0.0f, 1.0f);
        for (size_t i = 0; i < x.size(); ++i) {
            x[i] = std::ldexp(1.0f + u(rng), static_cast<int>(e(rng))) * (u(rng) < 0.5f ? -1.0f : 1.0f);
            switch (i % 97) {
                case 0: x[i] = 0.0f; break;
                case 1: x[i] = -0.0f; break;
                case 2: x[i] = std::numeric_limits<float>::infinity(); break;
                case 3: x[i] = std::numeric_limits<float>::denorm_min(); break;
                case 4: x[i] = std::numeric_limits<float>::quiet_NaN(); break;
                case 5: x[i] = 1e30f; break;  // g^2 overflows
                default: break;
            }
        }
        return x;
    };
    struct Betas {
        float beta1, beta2, eps;
    };
    const Betas betas[] = {{0.9f, 0.999f, 1e-8f}, {0.5f, 0.5f, 0.0f}, {0.9f, 0.0f, 1e-8f}, {0.0f, 0.99999994f, 1e-8f}};
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        for (const Betas& b : betas)
            for (int mode = 0; mode < 3; ++mode) {
                const float wd = mode == 0 ? 0.0f : 0.01f;
                std::vector<float> p = wild(-20, 20), m = wild(-60, 10), v = wild(-140, 60);
                for (float& x : v) x = std::abs(x);  // a second moment
                std::vector<float> p_want = p, m_want = m, v_want = v;
                for (int64_t step : {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{10}, int64_t{1000}, int64_t{100000}}) {
                    const std::vector<float> g = wild(-80, 40);
                    k::adam_update(p.data(), m.data(), v.data(), g.data(), n, 1e-3f, b.beta1, b.beta2, b.eps, wd, mode == 2, step);
                    k::ref::adam_update(p_want.data(), m_want.data(), v_want.data(), g.data(), n, 1e-3f, b.beta1, b.beta2,
                                        b.eps, wd, mode == 2, step);
                }
                const std::string what = where("adam", n) + " beta2 " + std::to_string(b.beta2) + " mode " + std::to_string(mode);
                CHECK_MESSAGE(std::memcmp(p.data(), p_want.data(), p.size() * sizeof(float)) == 0, what << " param");
                CHECK_MESSAGE(std::memcmp(m.data(), m_want.data(), m.size() * sizeof(float)) == 0, what << " m");
                CHECK_MESSAGE(std::memcmp(v.data(), v_want.data(), v.size() * sizeof(float)) == 0, what << " v");
            }
    }
}

// Optimizers: the same float operations as the reference in the same order (no contraction in the
// ISA translation units), so parameters and state must be bitwise identical after several steps.
TEST_CASE("SGD (plain, weight decay, momentum, Nesterov) and Adam / AdamW are bitwise the reference") {
    Restore restore;
    struct Sgd {
        float lr, momentum, wd;
        bool nesterov;
    };
    const Sgd sgds[] = {{0.1f, 0.0f, 0.0f, false}, {0.05f, 0.0f, 1e-2f, false}, {0.01f, 0.9f, 0.0f, false},
                        {0.01f, 0.9f, 1e-3f, false}, {0.02f, 0.8f, 0.0f, true}, {0.02f, 0.8f, 5e-4f, true}};
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        for (int64_t n : kSizes) {
            for (const Sgd& o : sgds) {
                std::vector<float> p = values(n, 61, -1.0f, 1.0f), v(p.size(), 0.0f), p_want = p, v_want = v;
                for (int step = 0; step < 3; ++step) {
                    const std::vector<float> g = values(n, 62 + static_cast<uint32_t>(step), -1.0f, 1.0f, step == 1);
                    k::sgd_update(p.data(), o.momentum != 0.0f ? v.data() : nullptr, g.data(), n, o.lr, o.momentum, o.wd, o.nesterov);
                    k::ref::sgd_update(p_want.data(), o.momentum != 0.0f ? v_want.data() : nullptr, g.data(), n, o.lr,
                                       o.momentum, o.wd, o.nesterov);
                }
                check_equal(p, p_want, where("sgd param", n));
                check_equal(v, v_want, where("sgd velocity", n));
            }
            for (int mode = 0; mode < 3; ++mode) {  // Adam, Adam + L2, AdamW
                const float wd = mode == 0 ? 0.0f : 0.01f;
                std::vector<float> p = values(n, 71, -1.0f, 1.0f), m(p.size(), 0.0f), v(p.size(), 0.0f);
                std::vector<float> p_want = p, m_want = m, v_want = v;
                for (int64_t step = 1; step <= 3; ++step) {
                    const std::vector<float> g = values(n, 72 + static_cast<uint32_t>(step), -1.0f, 1.0f, step == 2);
                    k::adam_update(p.data(), m.data(), v.data(), g.data(), n, 1e-3f, 0.9f, 0.999f, 1e-8f, wd, mode == 2, step);
                    k::ref::adam_update(p_want.data(), m_want.data(), v_want.data(), g.data(), n, 1e-3f, 0.9f, 0.999f,
                                        1e-8f, wd, mode == 2, step);
                }
                check_equal(p, p_want, where("adam param", n));
                check_equal(m, m_want, where("adam m", n));
                check_equal(v, v_want, where("adam v", n));
            }
        }
    }
}

// Column and row sums: float runs of at most 8 (columns) or 11 (rows) additions per lane flushed into
// double, so each sum is within 12 eps sum |x| of the reference's double sum (plus one rounding of
// the accumulated dst).
TEST_CASE("column_sum (set and accumulate) and row_sum") {
    Restore restore;
    const std::vector<std::pair<int64_t, int64_t>> shapes = {{0, 5},   {1, 1},   {1, 17},   {3, 7},   {7, 16},  {9, 33},
                                                             {17, 64}, {31, 65}, {100, 10}, {64, 130}, {513, 47}, {5, 1003},
                                                             {9, 1024}, {3, 1025}, {17, 2100}};  // (panels of 1024 columns)
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        for (auto [rows, cols] : shapes) {
            const std::vector<float> x = values(rows * cols, 81, -2.0f, 2.0f, true);
            std::vector<double> col_abs(static_cast<size_t>(cols), 0.0), row_abs(static_cast<size_t>(rows), 0.0);
            for (int64_t i = 0; i < rows; ++i)
                for (int64_t j = 0; j < cols; ++j) {
                    col_abs[static_cast<size_t>(j)] += std::abs(x[static_cast<size_t>(i * cols + j)]);
                    row_abs[static_cast<size_t>(i)] += std::abs(x[static_cast<size_t>(i * cols + j)]);
                }
            for (bool acc : {false, true}) {
                std::vector<float> got = values(cols, 82), want = got;
                const std::vector<float> before = got;
                k::column_sum(got.data(), x.data(), rows, cols, acc);
                k::ref::column_sum(want.data(), x.data(), rows, cols, acc);
                check_each(got, want, [&](size_t j) { return 12 * kEps * (col_abs[j] + std::abs(before[j])) + kTiny; },
                           where(acc ? "column_sum accumulate" : "column_sum", rows, cols));
            }
            std::vector<float> got(static_cast<size_t>(rows), NAN), want = got;
            k::row_sum(got.data(), x.data(), rows, cols);
            k::ref::row_sum(want.data(), x.data(), rows, cols);
            check_each(got, want, [&](size_t i) { return 12 * kEps * row_abs[i] + kTiny; }, where("row_sum", rows, cols));
        }
    }
}

// The activation backward fused with the bias gradient's column sums: the same diff_src as
// activation_backward (bitwise) and column sums within the column_sum bound of the reference.
TEST_CASE("activation_backward_column_sum: activation_backward plus column_sum in one pass") {
    Restore restore;
    const std::vector<std::pair<int64_t, int64_t>> shapes = {{0, 5}, {1, 1}, {3, 7}, {9, 33}, {17, 64}, {64, 130}, {97, 10}, {11, 1037}};
    const Activation acts[] = {Activation::Identity, Activation::ReLU, Activation::Sigmoid, Activation::Tanh};
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        for (auto [rows, cols] : shapes)
            for (Activation act : acts) {
                const int64_t n = rows * cols;
                std::vector<float> y(static_cast<size_t>(n));
                k::ref::activation_forward(act, y.data(), values(n, 91, -6.0f, 6.0f, true).data(), n);
                const std::vector<float> dy = values(n, 92, -2.0f, 2.0f);
                std::vector<float> dx(static_cast<size_t>(n), NAN), dx_want = dx;
                k::ref::activation_backward(act, dx_want.data(), dy.data(), y.data(), n);
                std::vector<double> col_abs(static_cast<size_t>(cols), 0.0);
                for (int64_t i = 0; i < n; ++i) col_abs[static_cast<size_t>(i % cols)] += std::abs(dx_want[static_cast<size_t>(i)]);
                for (bool acc : {false, true}) {
                    std::vector<float> got = values(cols, 93), want = got;
                    const std::vector<float> before = got;
                    k::activation_backward_column_sum(act, dx.data(), dy.data(), y.data(), rows, cols, got.data(), acc);
                    k::ref::column_sum(want.data(), dx_want.data(), rows, cols, acc);
                    check_equal(dx, dx_want, where(act_name(act), n) + " fused backward");
                    check_each(got, want, [&](size_t j) { return 12 * kEps * (col_abs[j] + std::abs(before[j])) + kTiny; },
                               where(acc ? "fused column sums accumulate" : "fused column sums", rows, cols));
                }
            }
    }
}

namespace {

// N x C batch: column c has mean offset[c % 5] and spread scale[c % 4]; column 2 is constant and,
// from row N/2 on, column 3 drifts (a distribution shift between chunks of rows).
std::vector<float> batch(int64_t N, int64_t C, uint32_t seed) {
    const float offset[] = {0.0f, 3.0f, -50.0f, 1000.0f, 0.5f}, scale[] = {1.0f, 0.01f, 10.0f, 1e3f};
    std::vector<float> x = values(N * C, seed, -1.0f, 1.0f);
    for (int64_t i = 0; i < N; ++i)
        for (int64_t c = 0; c < C; ++c) {
            float& v = x[static_cast<size_t>(i * C + c)];
            v = c == 2 ? 7.25f : offset[c % 5] + scale[c % 4] * v;
            if (c == 3 && i >= N / 2) v += 2000.0f;
        }
    return x;
}

}  // namespace

// BatchNorm error budget (per column; mean and std the reference's).
//   mean: the sum of x in double, as the reference: within 1 ulp of the reference's mean (a float sum of
//        x - shift used to lose an ulp of max |x|, thousands of ulps of a mean near 0).
//        (xhat's budget below keeps the looser 16 eps std + 1 ulp.)
//   var: the shifted squares relative 8 eps, amplified by at most (1 + (mean - shift)^2 / var) <= ~4
//        (the shift is a mean of earlier rows): rtol 40 eps; invstd half of that.
//   xhat = (x - mean) invstd in float: |d xhat| <= |d mean| invstd + 40 eps |xhat| + 2 ulp;
//   y = gamma xhat + beta: |gamma| |d xhat| + 2 ulp.
// The reference itself loses eps |mean| invstd in x - mean (float), so offset columns carry that.
TEST_CASE("BatchNorm1d training forward, eval forward and backward") {
    Restore restore;
    const std::vector<std::pair<int64_t, int64_t>> shapes = {{1, 1},   {2, 3},  {7, 16},  {16, 17}, {33, 5},
                                                             {64, 40}, {255, 33}, {257, 9}, {600, 20}, {1030, 4},
                                                             {9, 300}, {260, 513}};  // C > 256: several column panels
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        for (const auto& shape : shapes) {
            // Not a structured binding: clang before 16 cannot capture one in a lambda (CAPTURE, [&]).
            const int64_t N = shape.first, C = shape.second;
            const size_t nc = static_cast<size_t>(N * C), cs = static_cast<size_t>(C);
            const std::vector<float> x = batch(N, C, 91), gamma = values(C, 92, 0.5f, 2.0f), beta = values(C, 93);
            const float eps = 1e-5f;
            std::vector<float> y(nc), xh(nc), mean(cs), var(cs), is(cs);
            std::vector<float> y_w(nc), xh_w(nc), mean_w(cs), var_w(cs), is_w(cs);
            k::batchnorm_forward_train(y.data(), xh.data(), mean.data(), var.data(), is.data(), x.data(), gamma.data(),
                                       beta.data(), N, C, eps);
            k::ref::batchnorm_forward_train(y_w.data(), xh_w.data(), mean_w.data(), var_w.data(), is_w.data(), x.data(),
                                            gamma.data(), beta.data(), N, C, eps);
            auto sd = [&](size_t c) { return std::sqrt(double{var_w[c]}); };
            auto mean_tol = [&](size_t c) { return 16 * kEps * sd(c) + kEps * std::abs(mean_w[c]) + kTiny; };
            check_each(mean, mean_w, [&](size_t c) { return kEps * std::abs(mean_w[c]) + kTiny; }, where("bn mean", N, C));
            check_each(var, var_w, [&](size_t c) { return 40 * kEps * var_w[c] + kTiny; }, where("bn var", N, C));
            check_each(is, is_w, [&](size_t c) { return 20 * kEps * is_w[c]; }, where("bn invstd", N, C));
            auto xhat_tol = [&](size_t e) {
                const size_t c = e % cs;
                return mean_tol(c) * is_w[c] + 42 * kEps * std::abs(xh_w[e]) + kTiny;
            };
            check_each(xh, xh_w, xhat_tol, where("bn xhat", N, C));
            check_each(y, y_w, [&](size_t e) { return std::abs(gamma[e % cs]) * xhat_tol(e) + 2 * kEps * std::abs(y_w[e]) + kTiny; },
                       where("bn y", N, C));

            // Eval: the reference's float expressions, bitwise.
            const std::vector<float> rm = values(C, 94), rv = values(C, 95, 0.1f, 3.0f);
            k::batchnorm_forward_eval(y.data(), xh.data(), is.data(), x.data(), gamma.data(), beta.data(), rm.data(),
                                      rv.data(), N, C, eps);
            k::ref::batchnorm_forward_eval(y_w.data(), xh_w.data(), is_w.data(), x.data(), gamma.data(), beta.data(),
                                           rm.data(), rv.data(), N, C, eps);
            check_equal(y, y_w, where("bn eval y", N, C));
            check_equal(xh, xh_w, where("bn eval xhat", N, C));
            check_equal(is, is_w, where("bn eval invstd", N, C));

            // Backward from the reference's training xhat and invstd.
            k::ref::batchnorm_forward_train(y_w.data(), xh_w.data(), mean_w.data(), var_w.data(), is_w.data(), x.data(),
                                            gamma.data(), beta.data(), N, C, eps);
            const std::vector<float> dy = values(N * C, 96);
            std::vector<double> abs_dy(cs, 0.0), abs_dyx(cs, 0.0);
            for (size_t e = 0; e < nc; ++e) {
                abs_dy[e % cs] += std::abs(dy[e]);
                abs_dyx[e % cs] += std::abs(double{dy[e]} * xh_w[e]);
            }
            for (bool batch_stats : {true, false}) {
                std::vector<float> dx(nc, NAN), dx_w(nc, NAN), dg = values(C, 97), db = values(C, 98);
                std::vector<float> dg_w = dg, db_w = db;
                const std::vector<float> dg0 = dg, db0 = db;
                k::batchnorm_backward(dx.data(), dg.data(), db.data(), dy.data(), xh_w.data(), is_w.data(), gamma.data(), N,
                                      C, batch_stats);
                k::ref::batchnorm_backward(dx_w.data(), dg_w.data(), db_w.data(), dy.data(), xh_w.data(), is_w.data(),
                                           gamma.data(), N, C, batch_stats);
                // Sums: float runs of 8 into double, then one float addition into the gradient.
                check_each(dg, dg_w, [&](size_t c) { return 10 * kEps * (abs_dyx[c] + std::abs(dg0[c])) + kTiny; },
                           where("bn diff_gamma", N, C));
                check_each(db, db_w, [&](size_t c) { return 10 * kEps * (abs_dy[c] + std::abs(db0[c])) + kTiny; },
                           where("bn diff_beta", N, C));
                // diff_src = k dy - (k sum dy / N + k sum(dy xhat) / N xhat) in float (4 roundings of its
                // terms) from sums within 10 eps of their absolute sums.
                check_each(dx, dx_w, [&](size_t e) {
                    const size_t c = e % cs;
                    const double kk = std::abs(double{gamma[c]} * is_w[c]), n = static_cast<double>(N);
                    if (!batch_stats) return 2 * kEps * kk * std::abs(dy[e]) + kTiny;
                    return kk * (4 * kEps * (std::abs(dy[e]) + abs_dy[c] / n + std::abs(xh_w[e]) * abs_dyx[c] / n) +
                                 10 * kEps * (abs_dy[c] + std::abs(xh_w[e]) * abs_dyx[c]) / n) + kTiny;
                }, where(batch_stats ? "bn diff_src" : "bn diff_src (running)", N, C));
                // Without diff_src (a first layer's input needs no gradient): the same parameter gradients.
                std::vector<float> dg_n = dg0, db_n = db0;
                k::batchnorm_backward(nullptr, dg_n.data(), db_n.data(), dy.data(), xh_w.data(), is_w.data(), gamma.data(),
                                      N, C, batch_stats);
                check_equal(dg_n, dg, where("bn diff_gamma without diff_src", N, C));
                check_equal(db_n, db, where("bn diff_beta without diff_src", N, C));
                std::vector<float> dg_rn = dg0, db_rn = db0;
                k::ref::batchnorm_backward(nullptr, dg_rn.data(), db_rn.data(), dy.data(), xh_w.data(), is_w.data(),
                                           gamma.data(), N, C, batch_stats);
                check_equal(dg_rn, dg_w, where("bn ref diff_gamma without diff_src", N, C));
                check_equal(db_rn, db_w, where("bn ref diff_beta without diff_src", N, C));
            }
        }
    }
}

// Philox: element i is a function of (seed, offset, i) only, so every ISA must reproduce the
// reference's masks and fills bitwise, for any offset (high counter word included) and any n.
TEST_CASE("dropout masks, uniform and normal fills are bitwise the reference's") {
    Restore restore;
    const uint64_t seeds[] = {0, 42, 0x123456789abcdefull};
    const uint64_t offsets[] = {0, 1, 5, 0xFFFFFFFFull, 0xFFFFFFFFFFFFFFF0ull};
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        for (int64_t n : kSizes) {
            for (uint64_t seed : seeds) {
                for (uint64_t offset : offsets) {
                    const std::vector<float> x = values(n, 101);
                    for (float p : {0.0f, 0.1f, 0.5f, 1.0f}) {
                        std::vector<float> d(x.size(), NAN), m(x.size(), NAN), d_w(x.size(), NAN), m_w(x.size(), NAN);
                        k::dropout_forward(d.data(), m.data(), x.data(), n, p, seed, offset);
                        k::ref::dropout_forward(d_w.data(), m_w.data(), x.data(), n, p, seed, offset);
                        check_equal(m, m_w, where("dropout mask", n));
                        check_equal(d, d_w, where("dropout dst", n));
                    }
                    std::vector<float> u(x.size(), NAN), u_w(x.size(), NAN);
                    k::uniform_fill(u.data(), n, -0.25f, 3.0f, seed, offset);
                    k::ref::uniform_fill(u_w.data(), n, -0.25f, 3.0f, seed, offset);
                    check_equal(u, u_w, where("uniform_fill", n));
                    k::normal_fill(u.data(), n, 0.5f, 2.0f, seed, offset);
                    k::ref::normal_fill(u_w.data(), n, 0.5f, 2.0f, seed, offset);
                    check_equal(u, u_w, where("normal_fill", n));
                }
            }
        }
    }
}

// The reductions are single-threaded and reduce in a fixed order: their results cannot depend on the
// thread count. Checked on the reductions (losses, sums, BatchNorm statistics) at sizes where a
// threaded kernel would split the work.
TEST_CASE("results are bitwise identical for 1 and 2 threads") {
    Restore restore;
    const int64_t rows = 600, cols = 70, n = rows * cols;
    const std::vector<float> x = values(n, 111, -3.0f, 3.0f), t = values(n, 112, 0.0f, 1.0f);
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        std::vector<float> results[2];
        for (int threads : {1, 2}) {
            k::set_num_threads(threads);
            std::vector<float>& r = results[threads - 1];
            std::vector<float> prob(x.size()), y(x.size()), xh(x.size()), cs(static_cast<size_t>(cols), 0.0f);
            std::vector<float> mean(cs.size()), var(cs.size()), is(cs.size());
            const std::vector<float> ones(cs.size(), 1.0f), zeros(cs.size(), 0.0f);
            r.push_back(k::mse_forward(x.data(), t.data(), n));
            r.push_back(k::bce_logits_forward(x.data(), t.data(), n));
            r.push_back(k::cross_entropy_prob_forward(prob.data(), x.data(), t.data(), rows, cols));
            k::column_sum(cs.data(), x.data(), rows, cols, false);
            k::batchnorm_forward_train(y.data(), xh.data(), mean.data(), var.data(), is.data(), x.data(), ones.data(),
                                       zeros.data(), rows, cols, 1e-5f);
            for (const auto* v : {&prob, &cs, &mean, &var, &y}) r.insert(r.end(), v->begin(), v->end());
        }
        check_equal(results[1], results[0], where("threads 2 vs 1", rows, cols));
    }
}

// The elementwise kernels and optimizer updates split long arrays among the threads (kernels/dispatch.cpp:
// one chunk per thread, edges at multiples of 16 floats): every element must come out bitwise as on one
// thread, for any thread count, lengths that are no multiple of 16 included; dropout's Philox stream
// must continue across the chunk edges. Lengths from just below to well above the splitting thresholds.
TEST_CASE("threaded elementwise kernels and optimizer updates: bitwise the one-thread results") {
    Restore restore;
    for (const int64_t n : {int64_t{32767}, int64_t{131071}, int64_t{262147}, int64_t{600005}}) {
        const std::vector<float> x = values(n, 201, -3.0f, 3.0f, true), g = values(n, 202, -1.0f, 1.0f);
        for (Isa isa : runnable_isas(true)) {
            k::set_max_isa(isa);
            std::vector<float> results[3];
            for (int threads : {1, 2, 3}) {
                k::set_num_threads(threads);
                std::vector<float>& r = results[threads - 1];
                std::vector<float> y(x.size()), dx(x.size()), mask(x.size()), prod(x.size()), filled(x.size());
                for (Activation act : {Activation::ReLU, Activation::Sigmoid, Activation::Tanh}) {
                    k::activation_forward(act, y.data(), x.data(), n);
                    k::activation_backward(act, dx.data(), g.data(), y.data(), n);
                    r.insert(r.end(), y.begin(), y.end());
                    r.insert(r.end(), dx.begin(), dx.end());
                }
                k::dropout_forward(y.data(), mask.data(), x.data(), n, 0.3f, 77, 5);
                k::multiply(prod.data(), g.data(), mask.data(), n);
                k::fill(filled.data(), 0.25f, n);
                std::vector<float> p = x, vel(x.size(), 0.0f), p2 = x, m(x.size(), 0.0f), v(x.size(), 0.0f);
                for (int64_t step = 1; step <= 2; ++step) {
                    k::sgd_update(p.data(), vel.data(), g.data(), n, 0.1f, 0.9f, 0.01f, true);
                    k::adam_update(p2.data(), m.data(), v.data(), g.data(), n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, true,
                                   step);
                }
                for (const auto* a : {&y, &mask, &prod, &filled, &p, &vel, &p2, &m, &v})
                    r.insert(r.end(), a->begin(), a->end());
            }
            for (int t : {2, 3}) {
                std::ostringstream what;
                what << k::isa_name(isa) << ", n " << n << ", threads " << t << " vs 1";
                CHECK_MESSAGE(results[t - 1].size() == results[0].size(), what.str());
                CHECK_MESSAGE(std::memcmp(results[t - 1].data(), results[0].data(), results[0].size() * sizeof(float)) == 0,
                              what.str());
            }
        }
    }
}

// Large 64-byte aligned outputs are written with non-temporal stores (kernels/dispatch.cpp). With the
// threshold lowered, every such kernel must give bitwise what the ordinary path gives: at a 64-byte
// boundary (the non-temporal kernels) and 1-3 floats past one (the ordinary ones), for lengths around the
// vector widths and split among threads, in place where the kernel allows it, on 1 and 2 threads, writing
// nothing outside its n floats.
TEST_CASE("elementwise outputs written with non-temporal stores: bitwise the ordinary stores") {
    Restore restore;
    struct Threshold {
        int64_t saved = k::detail::stream_min_floats;
        ~Threshold() { k::detail::stream_min_floats = saved; }
    } threshold;
    const float canary = -777.0f;
    // floats from p to the first 64-byte boundary at least 16 floats in (canaries before the output)
    const auto lead = [](const float* p) {
        int64_t l = 16;
        while (reinterpret_cast<uintptr_t>(p + l) % 64 != 0) ++l;
        return l;
    };
    for (const int64_t n : {int64_t{1}, int64_t{3}, int64_t{17}, int64_t{2047}, int64_t{2048}, int64_t{2049},
                            int64_t{4099}, int64_t{140001}}) {
        const std::vector<float> x = values(n, 301, -3.0f, 3.0f, true), g = values(n, 302, -1.0f, 1.0f),
                                 p = values(n, 303, 0.01f, 0.99f), t = values(n, 304, 0.0f, 1.0f);
        for (Isa isa : runnable_isas(true)) {
            k::set_max_isa(isa);
            for (int threads : {1, 2}) {
                k::set_num_threads(threads);
                for (int64_t offset : {int64_t{0}, int64_t{1}, int64_t{2}, int64_t{3}}) {
                    // Every kernel's output at this offset, then the canaries around it: ordinary, then streamed.
                    const auto run_all = [&](int64_t stream_min) {
                        k::detail::stream_min_floats = stream_min;
                        std::vector<float> out;
                        std::vector<float> buf(static_cast<size_t>(n + 96));
                        float* const o = buf.data() + lead(buf.data()) + offset;  // the output
                        const auto dst = [&] {
                            std::fill(buf.begin(), buf.end(), canary);
                            return o;
                        };
                        // the canaries around the output, then the output
                        const auto keep = [&] {
                            bool canaries = true;
                            for (const float* c = buf.data(); c < buf.data() + buf.size(); ++c)
                                if ((c < o || c >= o + n) && std::memcmp(c, &canary, sizeof(float)) != 0) canaries = false;
                            out.push_back(canaries ? 1.0f : 0.0f);
                            out.insert(out.end(), o, o + n);
                        };
                        for (Activation act : {Activation::Identity, Activation::ReLU, Activation::Sigmoid, Activation::Tanh}) {
                            k::activation_forward(act, dst(), x.data(), n);
                            keep();
                            k::activation_backward(act, dst(), g.data(), p.data(), n);
                            keep();
                            float* in_place = dst();  // forward and backward in place
                            std::copy(x.begin(), x.end(), in_place);
                            k::activation_forward(act, in_place, in_place, n);
                            k::activation_backward(act, in_place, in_place, p.data(), n);
                            keep();
                        }
                        k::multiply(dst(), x.data(), g.data(), n);
                        keep();
                        k::fill(dst(), 0.25f, n);
                        keep();
                        k::mse_backward(dst(), x.data(), t.data(), n, 0.5f);
                        keep();
                        k::bce_backward(dst(), p.data(), t.data(), n, 0.5f);
                        keep();
                        k::bce_logits_backward(dst(), x.data(), t.data(), n, 0.5f);
                        keep();
                        return out;
                    };
                    const std::vector<float> ordinary = run_all(std::numeric_limits<int64_t>::max());
                    const std::vector<float> streamed = run_all(1);
                    std::ostringstream what;
                    what << k::isa_name(isa) << ", n " << n << ", threads " << threads << ", offset " << offset;
                    REQUIRE_MESSAGE(streamed.size() == ordinary.size(), what.str());
                    CHECK_MESSAGE(std::memcmp(streamed.data(), ordinary.data(), ordinary.size() * sizeof(float)) == 0,
                                  what.str());
                    // nothing written outside the output (each kernel's record starts with its canary check)
                    for (const std::vector<float>* r : {&ordinary, &streamed})
                        for (size_t b = 0; b < r->size(); b += static_cast<size_t>(n + 1))
                            CHECK_MESSAGE((*r)[b] == 1.0f, what.str());
                }
            }
        }
    }
}

TEST_CASE("softmax and log-softmax in place") {
    Restore restore;
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        for (auto [rows, cols] : kShapes) {
            const std::vector<float> x = logits(rows, cols, 121);
            std::vector<float> y(x.size()), in = x;
            k::softmax_forward(y.data(), x.data(), rows, cols);
            k::softmax_forward(in.data(), in.data(), rows, cols);
            check_equal(in, y, where("softmax in place", rows, cols));
            in = x;
            k::log_softmax_forward(y.data(), x.data(), rows, cols);
            k::log_softmax_forward(in.data(), in.data(), rows, cols);
            check_equal(in, y, where("log_softmax in place", rows, cols));
        }
    }
}
