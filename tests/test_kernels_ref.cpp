// Direct checks of the scalar reference kernels (nnfs::kernels::ref), the ground truth of the other
// tests, against naive double loops written here: SGEMM with every transposition, alpha/beta,
// leading dimensions wider than the matrices and beta = 0 over NaN; the fused epilogue; row and
// column sums; softmax and log-softmax; activations in place; the Philox stream's addressing.
// The dispatched entry points (nnfs::kernels::sgemm) must honour the same contract.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "nnfs/kernels.hpp"
#include "support/reference.hpp"

namespace k = nnfs::kernels;
namespace t = nnfs::test;
using k::Trans;

namespace {

constexpr float kSentinel = -12345.0f;  // fills the padding between rows; must survive every call

// A rows x cols matrix stored with row stride ld >= cols; padding filled with the sentinel.
struct Strided {
    int64_t rows, cols, ld;
    std::vector<float> data;
    Strided(int64_t r, int64_t c, int64_t l, t::Rng& rng) : rows(r), cols(c), ld(l), data(static_cast<size_t>(r * l), kSentinel) {
        const t::Vec v = rng.uniform(r * c, -1.0, 1.0);
        for (int64_t i = 0; i < r; ++i) {
            for (int64_t j = 0; j < c; ++j) data[static_cast<size_t>(i * l + j)] = static_cast<float>(v[static_cast<size_t>(i * c + j)]);
        }
    }
    double at(int64_t i, int64_t j) const { return data[static_cast<size_t>(i * ld + j)]; }
};

double act(k::Activation a, double x) {
    switch (a) {
        case k::Activation::ReLU: return x > 0.0 ? x : 0.0;
        case k::Activation::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
        case k::Activation::Tanh: return std::tanh(x);
        case k::Activation::Identity: break;
    }
    return x;
}

using SgemmFused = void (*)(Trans, Trans, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*,
                            int64_t, float, float*, int64_t, const k::Epilogue&);

// C = act(alpha op(A) op(B) + beta C + bias) by the naive loop, compared with `gemm`.
void check_sgemm(SgemmFused gemm, Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, float beta,
                 int64_t pad, bool nan_c, k::Activation a, bool with_bias, uint64_t seed, const std::string& name) {
    t::Rng rng(seed);
    // Stored shapes: A is M x K (or K x M when transposed), B is K x N (or N x K).
    const Strided A = ta == Trans::No ? Strided(M, K, K + pad, rng) : Strided(K, M, M + pad, rng);
    const Strided B = tb == Trans::No ? Strided(K, N, N + pad, rng) : Strided(N, K, K + pad, rng);
    Strided C(M, N, N + pad, rng);
    if (nan_c) {
        for (int64_t i = 0; i < M; ++i) {
            for (int64_t j = 0; j < N; ++j) C.data[static_cast<size_t>(i * C.ld + j)] = std::numeric_limits<float>::quiet_NaN();
        }
    }
    const t::Vec bias_v = rng.uniform(N, -0.5, 0.5);
    std::vector<float> bias(bias_v.begin(), bias_v.end());

    t::Vec expected(static_cast<size_t>(M * N));
    for (int64_t i = 0; i < M; ++i) {
        for (int64_t j = 0; j < N; ++j) {
            double s = 0.0;
            for (int64_t p = 0; p < K; ++p) {
                const double av = ta == Trans::No ? A.at(i, p) : A.at(p, i);
                const double bv = tb == Trans::No ? B.at(p, j) : B.at(j, p);
                s += av * bv;
            }
            double c = double{alpha} * s;
            if (beta != 0.0f) c += double{beta} * C.at(i, j);
            if (with_bias) c += bias[static_cast<size_t>(j)];
            expected[static_cast<size_t>(i * N + j)] = act(a, c);
        }
    }
    std::vector<float> out = C.data;
    gemm(ta, tb, M, N, K, alpha, A.data.data(), A.ld, B.data.data(), B.ld, beta, out.data(), C.ld,
         k::Epilogue{with_bias ? bias.data() : nullptr, a});
    std::vector<float> got(static_cast<size_t>(M * N));
    int64_t padding_touched = 0;
    for (int64_t i = 0; i < M; ++i) {
        for (int64_t j = 0; j < C.ld; ++j) {
            const float v = out[static_cast<size_t>(i * C.ld + j)];
            if (j < N) {
                got[static_cast<size_t>(i * N + j)] = v;
            } else {
                padding_touched += v != kSentinel;
            }
        }
    }
    const std::string what = name + " ta=" + (ta == Trans::Yes ? "T" : "N") + " tb=" + (tb == Trans::Yes ? "T" : "N") +
                             " M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
                             " alpha=" + std::to_string(alpha) + " beta=" + std::to_string(beta) +
                             " pad=" + std::to_string(pad);
    CAPTURE(what);
    CHECK(padding_touched == 0);
    // The reference kernel accumulates in double: only the final rounding to float (and the float
    // epilogue) separates it from the double loop. 1e-5 leaves room for float accumulation elsewhere.
    t::check_forward(got, expected, what);
}

void sweep_sgemm(SgemmFused gemm, const std::string& name) {
    uint64_t seed = 1;
    for (Trans ta : {Trans::No, Trans::Yes}) {
        for (Trans tb : {Trans::No, Trans::Yes}) {
            // Shapes: tiny, primes, around 16, a degenerate inner dimension of 1.
            const int64_t shapes[][3] = {{1, 1, 1}, {2, 3, 4}, {7, 13, 5}, {17, 31, 33}, {16, 16, 16}, {5, 9, 1}, {33, 1, 17}};
            for (const auto& s : shapes) {
                check_sgemm(gemm, ta, tb, s[0], s[1], s[2], 1.0f, 0.0f, 0, false, k::Activation::Identity, false, seed++, name);
                // Leading dimensions wider than the matrices, alpha and beta, beta = 0 over NaN.
                check_sgemm(gemm, ta, tb, s[0], s[1], s[2], 0.5f, -2.0f, 3, false, k::Activation::Identity, false, seed++, name);
                check_sgemm(gemm, ta, tb, s[0], s[1], s[2], -1.5f, 0.0f, 5, true, k::Activation::Identity, false, seed++, name);
                check_sgemm(gemm, ta, tb, s[0], s[1], s[2], 0.0f, 1.0f, 2, false, k::Activation::Identity, false, seed++, name);
            }
        }
    }
}

}  // namespace

TEST_CASE("ref::sgemm: every transposition, alpha/beta, leading dimensions, beta = 0 over NaN") {
    sweep_sgemm(&k::ref::sgemm_fused, "ref::sgemm_fused");
    // The plain entry point is the fused one without an epilogue.
    sweep_sgemm(
        [](Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
           int64_t ldb, float beta, float* C, int64_t ldc, const k::Epilogue&) {
            k::ref::sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        },
        "ref::sgemm");
}

TEST_CASE("the dispatched sgemm honours the same contract") {
    sweep_sgemm(&k::sgemm_fused, "kernels::sgemm_fused");
    sweep_sgemm(
        [](Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
           int64_t ldb, float beta, float* C, int64_t ldc, const k::Epilogue&) {
            k::sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        },
        "kernels::sgemm");
}

TEST_CASE("sgemm_fused epilogue: bias then activation, as C is written") {
    uint64_t seed = 500;
    for (SgemmFused gemm : {SgemmFused{&k::ref::sgemm_fused}, SgemmFused{&k::sgemm_fused}}) {
        for (k::Activation a : {k::Activation::Identity, k::Activation::ReLU, k::Activation::Sigmoid, k::Activation::Tanh}) {
            for (Trans tb : {Trans::No, Trans::Yes}) {
                check_sgemm(gemm, Trans::No, tb, 9, 17, 13, 1.0f, 0.0f, 1, true, a, true, seed++, "epilogue");
                check_sgemm(gemm, Trans::Yes, tb, 4, 3, 7, 0.75f, 0.5f, 0, false, a, true, seed++, "epilogue");
                check_sgemm(gemm, Trans::No, tb, 6, 5, 0, 1.0f, 0.0f, 0, true, a, true, seed++, "epilogue K=0");
            }
        }
    }
}

TEST_CASE("sgemm with K = 0 scales C by beta; with M or N = 0 writes nothing") {
    std::vector<float> c{1.0f, 2.0f, 3.0f, 4.0f};
    const float dummy = 7.0f;
    k::ref::sgemm(Trans::No, Trans::No, 2, 2, 0, 1.0f, &dummy, 1, &dummy, 2, 0.5f, c.data(), 2);
    CHECK(c == std::vector<float>{0.5f, 1.0f, 1.5f, 2.0f});
    k::ref::sgemm(Trans::No, Trans::No, 2, 2, 0, 1.0f, &dummy, 1, &dummy, 2, 0.0f, c.data(), 2);
    CHECK(c == std::vector<float>{0.0f, 0.0f, 0.0f, 0.0f});
    std::vector<float> untouched{9.0f, 9.0f};
    k::ref::sgemm(Trans::No, Trans::No, 0, 2, 3, 1.0f, &dummy, 3, &dummy, 2, 0.0f, untouched.data(), 2);
    k::ref::sgemm(Trans::No, Trans::No, 2, 0, 3, 1.0f, &dummy, 3, &dummy, 0, 0.0f, untouched.data(), 0);
    CHECK(untouched == std::vector<float>{9.0f, 9.0f});
}

TEST_CASE("ref::column_sum and ref::row_sum") {
    t::Rng rng(7);
    for (const auto& shape : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {1, 17}, {13, 1}, {7, 13}, {33, 31}, {97, 16}}) {
        // Not a structured binding: clang before 16 cannot capture one in a lambda (CAPTURE, [&]).
        const int64_t rows = shape.first, cols = shape.second;
        CAPTURE(rows);
        CAPTURE(cols);
        const t::Vec x = rng.uniform(rows * cols, -2.0, 2.0);
        const std::vector<float> xf(x.begin(), x.end());
        t::Vec col(static_cast<size_t>(cols), 0.0), row(static_cast<size_t>(rows), 0.0);
        for (int64_t i = 0; i < rows; ++i) {
            for (int64_t j = 0; j < cols; ++j) {
                col[static_cast<size_t>(j)] += x[static_cast<size_t>(i * cols + j)];
                row[static_cast<size_t>(i)] += x[static_cast<size_t>(i * cols + j)];
            }
        }
        std::vector<float> dst(static_cast<size_t>(cols), 100.0f);
        k::ref::column_sum(dst.data(), xf.data(), rows, cols, false);  // overwrite
        t::check_forward(dst, col, "column_sum");
        const t::Vec start = rng.uniform(cols, -1.0, 1.0);
        for (size_t j = 0; j < dst.size(); ++j) dst[j] = static_cast<float>(start[j]);
        k::ref::column_sum(dst.data(), xf.data(), rows, cols, true);  // accumulate
        t::Vec acc = col;
        for (size_t j = 0; j < acc.size(); ++j) acc[j] += start[j];
        t::check_forward(dst, acc, "column_sum accumulate");
        std::vector<float> rdst(static_cast<size_t>(rows), 100.0f);
        k::ref::row_sum(rdst.data(), xf.data(), rows, cols);
        t::check_forward(rdst, row, "row_sum");
    }
    // No rows: overwrite gives zeros, accumulate leaves the sums alone.
    std::vector<float> dst{5.0f, 6.0f};
    k::ref::column_sum(dst.data(), nullptr, 0, 2, true);
    CHECK(dst == std::vector<float>{5.0f, 6.0f});
    k::ref::column_sum(dst.data(), nullptr, 0, 2, false);
    CHECK(dst == std::vector<float>{0.0f, 0.0f});
    // Cancellation: the sum is accumulated exactly enough to recover 1 from 1e8 + 1 - 1e8.
    const std::vector<float> big{1e8f, 1.0f, -1e8f};
    float s = 0.0f;
    k::ref::column_sum(&s, big.data(), 3, 1, false);
    CHECK(s == 1.0f);
}

TEST_CASE("ref::softmax_forward and ref::log_softmax_forward against the double formula") {
    t::Rng rng(9);
    for (auto [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {3, 17}, {13, 7}, {2, 33}}) {
        const t::Vec x = rng.uniform(rows * cols, -20.0, 20.0);
        const std::vector<float> xf(x.begin(), x.end());
        std::vector<float> y(xf.size()), ly(xf.size());
        k::ref::softmax_forward(y.data(), xf.data(), rows, cols);
        k::ref::log_softmax_forward(ly.data(), xf.data(), rows, cols);
        // The test support's double softmax and log-softmax (max subtracted: exact for a single column).
        const t::Vec ey = t::softmax(x, rows, cols);
        t::Vec ely;
        for (int64_t i = 0; i < rows; ++i) {
            const t::Vec r = t::log_softmax_row(x.data() + i * cols, cols);
            ely.insert(ely.end(), r.begin(), r.end());
        }
        t::check_forward(y, ey, "softmax_forward");
        t::check_forward(ly, ely, "log_softmax_forward");
    }
}

TEST_CASE("ref::activation_forward and backward, in place") {
    const std::vector<float> x{-3.0f, -0.5f, 0.0f, 0.25f, 2.0f, 9.0f};
    for (k::Activation a : {k::Activation::Identity, k::Activation::ReLU, k::Activation::Sigmoid, k::Activation::Tanh}) {
        CAPTURE(static_cast<int>(a));
        std::vector<float> y = x;
        k::ref::activation_forward(a, y.data(), y.data(), 6);  // dst may alias src
        t::Vec ey(6), ed(6);
        for (size_t i = 0; i < 6; ++i) {
            ey[i] = act(a, x[i]);
            // act'(x) from the definition: 1, step, s (1 - s), 1 - tanh^2; times an upstream of i + 1.
            double d = 1.0;
            if (a == k::Activation::ReLU) d = x[i] > 0.0f ? 1.0 : 0.0;
            if (a == k::Activation::Sigmoid) d = ey[i] * (1.0 - ey[i]);
            if (a == k::Activation::Tanh) d = 1.0 - ey[i] * ey[i];
            ed[i] = d * static_cast<double>(i + 1);
        }
        t::check_forward(y, ey, "activation_forward");
        std::vector<float> up{1, 2, 3, 4, 5, 6}, dx(6);
        k::ref::activation_backward(a, dx.data(), up.data(), y.data(), 6);
        t::check_forward(dx, ed, "activation_backward");
    }
}

TEST_CASE("ref random kernels: element i depends only on (seed, offset, i); blocks hold 4 values") {
    std::vector<float> all(40), tail(32), other(40);
    k::ref::uniform_fill(all.data(), 40, -1.0f, 1.0f, 77, 5);
    k::ref::uniform_fill(tail.data(), 32, -1.0f, 1.0f, 77, 7);  // two blocks = 8 values later
    for (size_t i = 0; i < tail.size(); ++i) REQUIRE(tail[i] == all[i + 8]);
    for (float v : all) CHECK((v >= -1.0f && v < 1.0f));
    k::ref::uniform_fill(other.data(), 40, -1.0f, 1.0f, 78, 5);
    int64_t same = 0;
    for (size_t i = 0; i < all.size(); ++i) same += all[i] == other[i];
    CHECK(same == 0);

    std::vector<float> n1(12), n2(8);
    k::ref::normal_fill(n1.data(), 12, 0.0f, 1.0f, 3, 0);
    k::ref::normal_fill(n2.data(), 8, 0.0f, 1.0f, 3, 1);
    for (size_t i = 0; i < n2.size(); ++i) REQUIRE(n2[i] == n1[i + 4]);
    for (float v : n1) CHECK(std::isfinite(v));

    // dropout_forward: mask is 0 or 1 / (1 - p), dst = src * mask.
    std::vector<float> src(64, 3.0f), dst(64), mask(64);
    k::ref::dropout_forward(dst.data(), mask.data(), src.data(), 64, 0.25f, 11, 0);
    int64_t kept = 0;
    for (size_t i = 0; i < 64; ++i) {
        CHECK((mask[i] == 0.0f || mask[i] == 1.0f / 0.75f));
        CHECK(dst[i] == src[i] * mask[i]);
        kept += mask[i] != 0.0f;
    }
    CHECK(kept > 0);
    CHECK(kept < 64);
}

// Found by a helper's campaign on the kernels' public API: the reference read x[0] of a row of no
// columns (softmax, log-softmax, both cross-entropy forwards), wrote NaN statistics for a BatchNorm batch
// of no rows, and gave NaN for the BCE-with-logits loss of x = +inf, t = 0, where the vector kernels (and
// PyTorch) give +inf. Every instruction set now agrees with the reference on these.
TEST_CASE("kernels on sizes of 0 and BCE with logits at +-inf: the reference as the vector kernels") {
    const k::Isa saved = k::current_isa();
    for (k::Isa isa : {k::Isa::Reference, k::Isa::SSE2, k::Isa::AVX2, k::Isa::AVX512}) {
        if (static_cast<int>(isa) > static_cast<int>(k::supported_isa())) continue;
        k::set_max_isa(isa);
        CAPTURE(std::string(k::isa_name(isa)));
        const float canary = 7.0f;
        std::vector<float> x(4, canary), y(4, canary);
        const int32_t target[3] = {0, 0, 0};
        k::softmax_forward(nullptr, nullptr, 3, 0);  // rows of no columns: nothing to read (the reference crashed)
        k::log_softmax_forward(nullptr, nullptr, 3, 0);
        CHECK(k::cross_entropy_forward(y.data(), x.data(), target, 3, 0) == 0.0f);
        CHECK(k::cross_entropy_prob_forward(y.data(), x.data(), x.data(), 3, 0) == 0.0f);
        CHECK(y == std::vector<float>(4, canary));  // nothing written
        std::vector<float> stats(3 * 3, canary);
        const float gamma[3] = {1, 1, 1}, beta[3] = {0, 0, 0};
        k::batchnorm_forward_train(y.data(), y.data(), stats.data(), stats.data() + 3, stats.data() + 6, x.data(), gamma, beta,
                                   0, 3, 1e-5f);
        CHECK(stats == std::vector<float>(9, canary));
        const float inf = std::numeric_limits<float>::infinity();
        const float logits[4] = {inf, -inf, inf, 0.0f}, t0[4] = {0, 1, 0, 0}, t1[1] = {1};
        CHECK(k::bce_logits_forward(logits, t0, 1) == inf);      // x = +inf, t = 0
        CHECK(k::bce_logits_forward(logits + 1, t0 + 1, 1) == inf);  // x = -inf, t = 1
        CHECK(std::isnan(k::bce_logits_forward(logits, t1, 1)));  // x = +inf, t = 1: inf 0, NaN (PyTorch too)
        CHECK(k::bce_logits_forward(logits + 3, t0 + 3, 1) == doctest::Approx(std::log(2.0)));
    }
    k::set_max_isa(saved);
}
