// SGEMM: every instruction-set path (forced through nnfs::kernels::set_max_isa) against the scalar
// reference (double accumulation): four transpositions, alpha and beta (beta 0 over NaN), leading
// dimensions wider than the matrices, sizes around the register tile and the cache blocks, primes,
// fused epilogues, and bitwise-identical results for 1 and 2 threads.
//
// Block edges are exercised twice: with the shipped blocking at a few large shapes, and with the
// blocking shrunk (kc 16, mc 2 MR, nc 2 NR) so that block +- 1 shapes stay small and the suite fast.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/activation_name.hpp"
#include "nnfs/error.hpp"
#include "nnfs/kernels.hpp"
#include "nnfs/runtime.hpp"
#include "simd/gemm_isa.hpp"
#include "support/isas.hpp"
#include "support/rerun_self.hpp"

namespace k = nnfs::kernels;
using k::Activation;
using k::Isa;
using k::Trans;

namespace {

using nnfs::test::act_name;
using nnfs::test::runnable_isas;

// Restores the ISA cap, thread count and blocking the test changed.
struct Restore {
    Isa isa = k::current_isa();
    int threads = k::get_num_threads();
    k::detail::GemmPath path = k::detail::gemm_path;
    std::vector<std::pair<k::detail::GemmBlocking*, k::detail::GemmBlocking>> blockings;
    void save(k::detail::GemmBlocking* b) { blockings.emplace_back(b, *b); }
    ~Restore() {
        k::set_max_isa(isa);
        k::set_num_threads(threads);
        for (auto& [p, v] : blockings) *p = v;
        k::detail::gemm_path = path;
    }
};

struct Case {
    Trans ta = Trans::No, tb = Trans::No;
    int64_t M = 1, N = 1, K = 1;
    float alpha = 1.0f, beta = 0.0f;
    int64_t pad_a = 0, pad_b = 0, pad_c = 0;  // leading dimension minus width
    bool bias = false;
    Activation act = Activation::Identity;

    std::string str() const {
        std::ostringstream s;
        s << k::isa_name(k::current_isa()) << " " << (ta == Trans::Yes ? "T" : "N") << (tb == Trans::Yes ? "T" : "N")
          << " M" << M << " N" << N << " K" << K << " alpha " << alpha << " beta " << beta << " pads " << pad_a << ","
          << pad_b << "," << pad_c << (bias ? " bias " : " ") << act_name(act);
        return s.str();
    }
};

struct Operands {
    std::vector<float> A, B, C0, bias;
    int64_t lda, ldb, ldc;
};

Operands make_operands(const Case& c, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    Operands o;
    const int64_t a_rows = c.ta == Trans::No ? c.M : c.K, a_cols = c.ta == Trans::No ? c.K : c.M;
    const int64_t b_rows = c.tb == Trans::No ? c.K : c.N, b_cols = c.tb == Trans::No ? c.N : c.K;
    o.lda = a_cols + c.pad_a;
    o.ldb = b_cols + c.pad_b;
    o.ldc = c.N + c.pad_c;
    o.A.resize(static_cast<size_t>(a_rows * o.lda));
    o.B.resize(static_cast<size_t>(b_rows * o.ldb));
    o.C0.resize(static_cast<size_t>(c.M * o.ldc));
    o.bias.resize(static_cast<size_t>(c.N));
    for (float& v : o.A) v = u(rng);
    for (float& v : o.B) v = u(rng);
    for (float& v : o.bias) v = u(rng);
    // beta == 0: C must not be read, so it holds NaN (a read would poison the result).
    for (float& v : o.C0) v = c.beta == 0.0f ? std::numeric_limits<float>::quiet_NaN() : u(rng);
    return o;
}

// Runs the dispatched kernel and the reference; checks every element within
//   |c - ref| <= 2 (K + 4) eps (|alpha| sum_k |a b| + |beta c| + |bias|) + 4e-6 |ref| + 1e-30
// (float accumulation vs double; activations are 1-Lipschitz, plus their own approximation error).
// Padding columns of C must be untouched. Returns the dispatched result.
std::vector<float> check_case(const Case& c, uint32_t seed = 1) {
    const Operands o = make_operands(c, seed);
    const k::Epilogue ep{c.bias ? o.bias.data() : nullptr, c.act};
    std::vector<float> got = o.C0, want = o.C0;
    k::sgemm_fused(c.ta, c.tb, c.M, c.N, c.K, c.alpha, o.A.data(), o.lda, o.B.data(), o.ldb, c.beta, got.data(), o.ldc,
                   ep);
    k::ref::sgemm_fused(c.ta, c.tb, c.M, c.N, c.K, c.alpha, o.A.data(), o.lda, o.B.data(), o.ldb, c.beta,
                        want.data(), o.ldc, ep);
    // Magnitudes: the reference on |A|, |B|, |C|, |bias| without activation.
    auto absv = [](std::vector<float> v) {
        for (float& x : v) x = std::isnan(x) ? 0.0f : std::abs(x);
        return v;
    };
    const std::vector<float> Aa = absv(o.A), Ba = absv(o.B), bias_a = absv(o.bias);
    std::vector<float> mag = absv(o.C0);
    k::ref::sgemm_fused(c.ta, c.tb, c.M, c.N, c.K, std::abs(c.alpha), Aa.data(), o.lda, Ba.data(), o.ldb,
                        std::abs(c.beta), mag.data(), o.ldc, k::Epilogue{c.bias ? bias_a.data() : nullptr});
    const double eps = std::numeric_limits<float>::epsilon();
    int bad = 0;
    for (int64_t i = 0; i < c.M; ++i) {
        for (int64_t j = 0; j < o.ldc; ++j) {
            const size_t at = static_cast<size_t>(i * o.ldc + j);
            const double g = got[at], w = want[at];
            if (j >= c.N) {  // padding: untouched (bitwise, NaN included)
                if (std::memcmp(&got[at], &o.C0[at], sizeof(float)) != 0 && bad++ < 3)
                    FAIL_CHECK(c.str() << ": padding C[" << i << "][" << j << "] was written");
                continue;
            }
            const double tol = 2.0 * static_cast<double>(c.K + 4) * eps * mag[at] + 4e-6 * std::abs(w) + 1e-30;
            if (!(std::abs(g - w) <= tol) && bad++ < 3)
                FAIL_CHECK(c.str() << ": C[" << i << "][" << j << "] = " << g << ", expected " << w << " (tol " << tol
                                   << ")");
        }
    }
    return got;
}

// Sizes around a tile or block t: 1, 2, t - 1, t, t + 1, 2t - 1, 2t + 1, 3t - 1, 3t, 3t + 1 (deduplicated, positive).
std::vector<int64_t> around(int64_t t) {
    std::vector<int64_t> out;
    for (int64_t v : {int64_t{1}, int64_t{2}, t - 1, t, t + 1, 2 * t - 1, 2 * t + 1, 3 * t - 1, 3 * t, 3 * t + 1}) {
        bool seen = v < 1;
        for (int64_t w : out) seen = seen || w == v;
        if (!seen) out.push_back(v);
    }
    return out;
}

// A case of the size sweeps: alpha, beta and the leading-dimension pads vary with the case number n.
Case sweep_case(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, uint32_t n) {
    Case c;
    c.ta = ta;
    c.tb = tb;
    c.M = M;
    c.N = N;
    c.K = K;
    c.alpha = n % 3 == 0 ? 1.0f : -0.75f;
    c.beta = n % 4 == 0 ? 0.0f : (n % 4 == 1 ? 1.0f : 0.5f);
    c.pad_a = n % 5 == 0 ? 3 : 0;
    c.pad_b = n % 3 == 0 ? 5 : 0;
    c.pad_c = n % 2 == 0 ? 1 : 0;
    return c;
}

constexpr Trans kTrans[2] = {Trans::No, Trans::Yes};

}  // namespace

TEST_CASE("isa selection: cap, names and kernel_info") {
    Restore restore;
    CHECK(static_cast<int>(k::supported_isa()) >= static_cast<int>(Isa::SSE2));  // any x86-64
    for (Isa isa : runnable_isas(false)) {
        CHECK(k::set_max_isa(isa) == isa);
        CHECK(k::current_isa() == isa);
        const std::string info = nnfs::kernel_info();
        CHECK_MESSAGE(info.find(std::string("sgemm: ") + k::isa_name(isa) + " ") != std::string::npos, info);
    }
    CHECK(k::set_max_isa(Isa::Reference) == Isa::Reference);
    CHECK(std::string(nnfs::kernel_info()).find("sgemm: ref") != std::string::npos);
    CHECK(k::set_max_isa(Isa::AVX512) == k::supported_isa());
    MESSAGE("supported: " << std::string(k::isa_name(k::supported_isa())) << "; " << nnfs::kernel_info());
}

// NNFS_MAX_ISA caps the instruction set at start: any case, blanks around ignored; an unrecognised value
// is said on stderr and leaves no cap (found by an outside audit: "SSE2" silently meant AVX-512).
TEST_CASE("NNFS_MAX_ISA caps the instruction set at start") {
    const char* env = std::getenv("NNFS_MAX_ISA");
    if (env) {  // a child run
        const std::string v = env;
        const Isa want = v == " SSE2 " ? Isa::SSE2 : v == "Ref" || v == "scalar" ? Isa::Reference : k::supported_isa();
        CHECK(k::current_isa() == want);
        return;
    }
    nnfs::test::check_in_children("NNFS_MAX_ISA", {" SSE2 ", "Ref", "scalar", "avx-512", ""}, "NNFS_MAX_ISA*", "avx-512");
}

// Runs the size sweep with every problem forced onto one path.
static void size_sweep(k::detail::GemmPath path) {
    Restore restore;
    k::detail::gemm_path = path;
    for (Isa isa : runnable_isas(false)) {
        k::set_max_isa(isa);
        k::detail::GemmBlocking* bl = k::detail::gemm_isa(isa)->blocking;
        restore.save(bl);
        const int64_t mr = k::detail::gemm_isa(isa)->mr, nr = k::detail::gemm_isa(isa)->nr;
        *bl = {16, 2 * mr, 2 * nr};
        std::vector<int64_t> ms = around(mr), ns = around(nr), ks = around(16);
        for (int64_t v : around(2 * mr)) ms.push_back(v);   // mc +- 1
        if (path == k::detail::GemmPath::Direct)              // the direct path's tile heights
            for (int64_t r : {k::detail::gemm_isa(isa)->direct_r, k::detail::gemm_isa(isa)->direct_r_narrow})
                for (int64_t v : around(r)) ms.push_back(v);
        for (int64_t v : around(2 * nr)) ns.push_back(v);   // nc +- 1
        uint32_t n = 0;
        for (Trans ta : kTrans)
            for (Trans tb : kTrans)
                for (int64_t M : ms)
                    for (int64_t N : ns) {
                        ++n;
                        check_case(sweep_case(ta, tb, M, N, ks[(n * 7) % ks.size()], n), n);
                    }
        // Narrow C (N within one vector) has its own tile: M around it.
        const int64_t mrn = k::detail::gemm_isa(isa)->mr_narrow, nrn = k::detail::gemm_isa(isa)->nr_narrow;
        for (Trans ta : kTrans)
            for (Trans tb : kTrans)
                for (int64_t M : around(mrn))
                    for (int64_t N : {int64_t{1}, nrn - 1, nrn}) {
                        ++n;
                        Case c;
                        c.ta = ta;
                        c.tb = tb;
                        c.M = M;
                        c.N = N;
                        c.K = ks[(n * 5) % ks.size()];
                        c.beta = n % 3 == 0 ? 0.0f : 2.0f;
                        c.pad_c = n % 2 == 0 ? 3 : 0;
                        c.bias = n % 2 == 1;
                        check_case(c, n);
                    }
        // K sweeps through the kc block and its multiples at a few M x N.
        for (Trans ta : kTrans)
            for (Trans tb : kTrans)
                for (int64_t K : ks) {
                    ++n;
                    Case c;
                    c.ta = ta;
                    c.tb = tb;
                    c.M = mr + 1;
                    c.N = 2 * nr - 1;
                    c.K = K;
                    c.beta = n % 2 ? 0.0f : -1.0f;
                    check_case(c, n);
                }
    }
}

TEST_CASE("sgemm packed path: sizes around the register tiles and small cache blocks, every ISA and transposition") {
    size_sweep(k::detail::GemmPath::Packed);
}

// Partial tiles run on smaller register tiles (rows rounded up, one vector when the columns fit in
// one), on the packed and on the direct path: every remainder of M modulo the tile height, with N
// ending in a partial one-vector and a partial two-vector tile, on the main and the narrow tile. K from
// 9 (shorter K takes the direct path's row-by-row kernel).
static void partial_tiles(k::detail::GemmPath path) {
    Restore restore;
    k::detail::gemm_path = path;
    uint32_t n = 0;
    for (Isa isa : runnable_isas(false)) {
        k::set_max_isa(isa);
        const k::detail::GemmIsa* gi = k::detail::gemm_isa(isa);
        const int64_t w = gi->nr_narrow;  // one vector
        struct Tile {
            int64_t mr, nr;
        };
        const bool packed = path == k::detail::GemmPath::Packed;
        const Tile main = packed ? Tile{gi->mr, gi->nr} : Tile{gi->direct_r, 2 * w};
        const Tile narrow = packed ? Tile{gi->mr_narrow, gi->nr_narrow} : Tile{gi->direct_r_narrow, w};
        for (Tile tile : {main, narrow})
            for (Trans ta : kTrans)
                for (Trans tb : kTrans)
                    for (int64_t r = 0; r < tile.mr; ++r)
                        for (int64_t N : {tile.nr + 1, tile.nr + w - 1, 2 * tile.nr - 1, tile.nr}) {
                            if (N > tile.nr && tile.nr == w) N = w - 1 - (r % 3);  // narrow: N stays within one vector
                            if (N < 1) N = 1;
                            ++n;
                            Case c;
                            c.ta = ta;
                            c.tb = tb;
                            c.M = 2 * tile.mr + r;
                            c.N = N;
                            c.K = 9 + (n % 3) * 17;
                            c.alpha = n % 3 == 0 ? 1.0f : -0.5f;
                            c.beta = n % 4 == 0 ? 0.0f : 0.5f;
                            c.pad_c = n % 2 == 0 ? 2 : 0;
                            c.bias = n % 3 == 1;
                            c.act = n % 5 == 2 ? Activation::ReLU : Activation::Identity;
                            check_case(c, n);
                        }
    }
}

TEST_CASE("sgemm packed path: every partial tile height and width, every ISA and transposition") {
    partial_tiles(k::detail::GemmPath::Packed);
}

TEST_CASE("sgemm direct path: every partial tile height and width, every ISA and transposition") {
    partial_tiles(k::detail::GemmPath::Direct);
}

// K <= 8 with N within two vectors: the direct path keeps op(B) in registers and runs row by row (4
// rows a step, then single rows; whole rows of C or through a row buffer). Each size runs twice: an
// epilogue varied over alpha, beta, bias and activation, then the plain product (alpha 1, beta 0: Linear's
// forward, its own loops for op(A) = A) with and without bias, identity, ReLU or Sigmoid.
TEST_CASE("sgemm direct path: short K (op(B) in registers), every ISA and transposition") {
    Restore restore;
    k::detail::gemm_path = k::detail::GemmPath::Direct;
    uint32_t n = 0;
    for (Isa isa : runnable_isas(false)) {
        k::set_max_isa(isa);
        const int64_t w = k::detail::gemm_isa(isa)->nr_narrow;  // one vector
        for (Trans ta : kTrans)
            for (Trans tb : kTrans)
                for (int64_t K = 1; K <= 9; ++K)
                    for (int64_t N : {int64_t{1}, w - 1, w, w + 1, 2 * w - 1, 2 * w, 2 * w + 1})
                        for (int64_t M : {1, 4, 7, 32}) {
                            if (N < 1) continue;
                            ++n;
                            Case c;
                            c.ta = ta;
                            c.tb = tb;
                            c.M = M;
                            c.N = N;
                            c.K = K;
                            c.alpha = n % 3 == 0 ? 1.0f : 1.5f;
                            c.beta = n % 4 == 0 ? 0.0f : -0.5f;
                            c.pad_a = n % 2 == 0 ? 3 : 0;
                            c.pad_b = n % 3 == 0 ? 2 : 0;
                            c.pad_c = n % 5 == 0 ? 4 : 0;
                            c.bias = n % 3 == 1;
                            c.act = n % 7 == 3 ? Activation::Tanh : (n % 7 == 5 ? Activation::ReLU : Activation::Identity);
                            check_case(c, n);
                            c.alpha = 1.0f;
                            c.beta = 0.0f;
                            c.bias = n % 2 == 1;
                            c.act = n % 3 == 0 ? Activation::Identity : (n % 3 == 1 ? Activation::ReLU : Activation::Sigmoid);
                            check_case(c, n);
                        }
    }
}

TEST_CASE("sgemm direct path: the same sizes") { size_sweep(k::detail::GemmPath::Direct); }

// op(B) = B whose rows are whole tiles on cache lines (N a multiple of the tile width, B and ldb 64-byte
// aligned: a Linear's backward products) is read in place by the direct path, anything else copied: both
// give the same bits, and the reference's values. The other direct-path tests hold B in std::vector
// (16-byte aligned): the copy.
TEST_CASE("sgemm direct path: op(B) read in place gives the copy's bits") {
    Restore restore;
    k::detail::gemm_path = k::detail::GemmPath::Direct;
    uint32_t n = 0;
    for (Isa isa : runnable_isas(false)) {
        k::set_max_isa(isa);
        const auto* gi = k::detail::gemm_isa(isa);
        const int64_t w = gi->nr_narrow, nr = 2 * w;  // the direct path's tile widths: one vector, two
        for (Trans ta : kTrans)
            for (int64_t N : {w, nr, 2 * nr, 3 * nr})
                for (int64_t K : {int64_t{1}, int64_t{9}, int64_t{17}, int64_t{64}})
                    for (int64_t M : {int64_t{1}, int64_t{gi->direct_r} - 1, int64_t{gi->direct_r}, int64_t{2 * gi->direct_r + 1}}) {
                        ++n;
                        Case c;
                        c.ta = ta;
                        c.M = M;
                        c.N = N;
                        c.K = K;
                        c.alpha = n % 3 == 0 ? 1.0f : -0.75f;
                        c.beta = n % 4 == 0 ? 0.0f : 0.5f;
                        c.pad_a = n % 2 == 0 ? 3 : 0;
                        c.pad_b = n % 3 == 0 ? 16 : 0;  // ldb stays a multiple of 16
                        c.bias = n % 5 < 2;
                        c.act = n % 3 == 0 ? Activation::ReLU : Activation::Identity;
                        const Operands o = make_operands(c, n);
                        // B at a 64-byte boundary (read in place) and a copy of it 4 bytes past one (copied)
                        const size_t span = (o.B.size() + 15) / 16 * 16;
                        std::vector<float> store(2 * span + 32);
                        float* aligned = store.data();
                        while (reinterpret_cast<uintptr_t>(aligned) % 64 != 0) ++aligned;
                        float* unaligned = aligned + span + 1;
                        std::copy(o.B.begin(), o.B.end(), aligned);
                        std::copy(o.B.begin(), o.B.end(), unaligned);
                        const k::Epilogue ep{c.bias ? o.bias.data() : nullptr, c.act};
                        std::vector<float> in_place = o.C0, copied = o.C0;
                        k::sgemm_fused(c.ta, c.tb, c.M, c.N, c.K, c.alpha, o.A.data(), o.lda, aligned, o.ldb, c.beta, in_place.data(), o.ldc, ep);
                        k::sgemm_fused(c.ta, c.tb, c.M, c.N, c.K, c.alpha, o.A.data(), o.lda, unaligned, o.ldb, c.beta, copied.data(), o.ldc, ep);
                        CHECK_MESSAGE(std::memcmp(in_place.data(), copied.data(), in_place.size() * sizeof(float)) == 0, c.str());
                        const std::vector<float> checked = check_case(c, n);  // the same operands, against the reference
                        CHECK_MESSAGE(std::memcmp(checked.data(), copied.data(), copied.size() * sizeof(float)) == 0, c.str());
                    }
    }
}

// A forced path over every ISA, both op(B), and the grid Ns x Ks x Ms, with alpha, beta, leading-dimension
// pads, bias and activation varied from case to case.
static void check_path_grid(k::detail::GemmPath path, std::initializer_list<int64_t> Ns, std::initializer_list<int64_t> Ks,
                     std::initializer_list<int64_t> Ms, std::initializer_list<Trans> tas = {Trans::No}) {
    Restore restore;
    k::detail::gemm_path = path;
    uint32_t n = 0;
    for (Isa isa : runnable_isas(false)) {
        k::set_max_isa(isa);
        for (Trans ta : tas)
            for (Trans tb : kTrans)
                for (int64_t N : Ns)
                    for (int64_t K : Ks)
                        for (int64_t M : Ms) {
                            ++n;
                            const Case c{.ta = ta, .tb = tb, .M = M, .N = N, .K = K,
                                         .alpha = n % 3 == 0 ? 1.0f : -0.75f, .beta = n % 4 == 0 ? 0.0f : 1.5f,
                                         .pad_a = n % 2 == 0 ? 5 : 0, .pad_b = n % 3 == 0 ? 1 : 0, .pad_c = n % 5 == 0 ? 3 : 0,
                                         .bias = n % 3 == 1,
                                         .act = n % 7 == 3 ? Activation::Sigmoid : (n % 7 == 5 ? Activation::ReLU : Activation::Identity)};
                            check_case(c, n);
                        }
    }
}

// Narrow C with op(A) = A on AVX-512: dot products with the lanes along K, two columns a vector, K in
// blocks of 8 (masked last block), rows in tiles of 24 / NQ (then single rows), a reduction per row.
// Forced for every N up to 12 (other ISAs: the direct path); N of 13 and more fall back to the direct tiles.
TEST_CASE("sgemm narrow dot path: N 1..14, K around its 8-float blocks, rows around its tiles") {
    check_path_grid(k::detail::GemmPath::NarrowDot, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14},
                    {1, 7, 8, 9, 16, 17, 63, 128, 131}, {1, 3, 8, 9, 25});
}

// op(A) = A, op(B) = B^T on AVX-512: dot products of rows of A and B read in place, tiles of 6 rows x 4
// columns with rows and columns past the edge clamped (computed, not stored), K in 16-float steps two
// at a time (masked tail), B in blocks of rows that stay in L2 (K 1040, N 140: two blocks). Forced for
// every shape (other ISAs and op(B) = B: the packed path).
TEST_CASE("sgemm dot path (NT): rows around its 6-row tiles, N around its 4 columns, K around 16 and 32") {
    check_path_grid(k::detail::GemmPath::DotNT, {1, 2, 3, 4, 5, 7, 8, 13, 17, 31}, {1, 15, 16, 17, 33, 100},
                    {1, 5, 6, 7, 12, 13, 25});
    Restore restore;
    k::detail::gemm_path = k::detail::GemmPath::DotNT;
    for (Isa isa : runnable_isas(false)) {
        k::set_max_isa(isa);
        for (int64_t M : {6, 13})
            check_case(Case{.tb = Trans::Yes, .M = M, .N = 140, .K = 1040, .beta = 0.5f, .pad_b = 16, .bias = true,
                            .act = Activation::Tanh},
                       static_cast<uint32_t>(M));
    }
}

// op(B) = B on AVX-512, nothing packed: strips of 8 rows (the last one copied k-major), tiles of 48
// columns read in place (the last columns copied, zero-padded, onto 1, 2 or 3 vectors), every k in one
// accumulator. Forced for every shape and both op(A) (other ISAs and op(B) = B^T: the packed path; the
// tolerance of check_case covers both).
TEST_CASE("sgemm no-copy path: rows around its 8-row strips, N around its 16-float vectors and 48-column tiles") {
    check_path_grid(k::detail::GemmPath::NoCopy, {1, 15, 16, 17, 31, 33, 47, 48, 49, 64, 95, 97},
                    {1, 2, 17, 100}, {1, 4, 7, 8, 9, 16, 23}, {Trans::No, Trans::Yes});
}

TEST_CASE("sgemm: shipped blocking at block edges and primes up to 1000, packed, direct and no-copy paths") {
    Restore restore;
    for (Isa isa : runnable_isas(false)) {
        for (auto path : {k::detail::GemmPath::Packed, k::detail::GemmPath::Direct, k::detail::GemmPath::NoCopy}) {
            k::set_max_isa(isa);
            k::detail::gemm_path = path;
            const k::detail::GemmIsa* gi = k::detail::gemm_isa(isa);
            const int64_t kc = gi->blocking->kc, mc = gi->blocking->mc, nc = gi->blocking->nc;
            struct Shape {
                int64_t M, N, K;
            };
            const Shape shapes[] = {
                {mc + 1, 33, kc + 1}, {mc - 1, 17, kc - 1}, {mc, 2 * gi->nr + 1, 2 * kc + 1},
                {5, nc + 1, 7},       {3, nc - 1, 19},      {997, 13, 331},
                {101, 509, 257},      {7, 983, 149},        {211, 3, 769},
                {31, 61, 1009},
            };
            uint32_t n = 0;
            for (const Shape& s : shapes) {
                ++n;
                const Case c{.ta = kTrans[n % 2], .tb = kTrans[(n / 2) % 2], .M = s.M, .N = s.N, .K = s.K,
                             .alpha = 1.5f, .beta = n % 2 ? 0.0f : 0.25f, .pad_a = n % 3, .pad_c = 2};
                check_case(c, n);
            }
        }
    }
}

TEST_CASE("sgemm_fused: bias and activation epilogues on the direct, packed and no-copy paths") {
    Restore restore;
    const Activation acts[] = {Activation::Identity, Activation::ReLU, Activation::Sigmoid, Activation::Tanh};
    struct Shape {
        int64_t M, N, K;
    };
    // Every shape on every path; 45x70x600 puts the packed path's epilogue on the last of several kc blocks.
    const Shape shapes[] = {{32, 16, 4}, {17, 5, 3}, {64, 128, 100}, {45, 70, 600}};
    for (Isa isa : runnable_isas(false)) {
        for (auto path : {k::detail::GemmPath::Packed, k::detail::GemmPath::Direct, k::detail::GemmPath::NoCopy}) {
            k::set_max_isa(isa);
            k::detail::gemm_path = path;
            uint32_t n = 0;
            for (const Shape& s : shapes)
                for (Activation act : acts)
                    for (bool bias : {false, true}) {
                        ++n;
                        const Case c{.ta = kTrans[n % 2], .tb = kTrans[(n / 2) % 2], .M = s.M, .N = s.N, .K = s.K,
                                     .alpha = 2.0f,  // pushes Sigmoid and Tanh into their tails
                                     .beta = n % 3 == 0 ? 0.5f : 0.0f, .bias = bias, .act = act};
                        check_case(c, n);
                    }
        }
    }
}

TEST_CASE("sgemm: K = 0 gives act(beta C + bias); empty M or N writes nothing") {
    Restore restore;
    for (Isa isa : runnable_isas(false)) {
        k::set_max_isa(isa);
        Case c;
        c.M = 3;
        c.N = 5;
        c.K = 0;
        c.beta = 0.5f;
        c.bias = true;
        c.act = Activation::ReLU;
        check_case(c);
        c.beta = 0.0f;
        check_case(c);
        float C = 7.0f;
        const float A = 1.0f, B = 1.0f;
        k::sgemm(Trans::No, Trans::No, 0, 1, 1, 1.0f, &A, 1, &B, 1, 0.0f, &C, 1);
        k::sgemm(Trans::No, Trans::No, 1, 0, 1, 1.0f, &A, 1, &B, 1, 0.0f, &C, 1);
        CHECK(C == 7.0f);
    }
}

TEST_CASE("sgemm: alpha = 0 reads neither A nor B (as BLAS): C = act(beta C + bias), NaN operands or not") {
    Restore restore;
    constexpr float nan = std::numeric_limits<float>::quiet_NaN();
    for (Isa isa : runnable_isas(true)) {
        k::set_max_isa(isa);
        // Shapes of every path: small M, direct, dot (NT), packed, narrow.
        for (const std::array<int64_t, 3>& mnk : {std::array<int64_t, 3>{1, 7, 5}, {3, 5, 4}, {64, 48, 784}, {300, 200, 100}, {100, 5, 300}})
            for (Trans ta : kTrans)
                for (Trans tb : kTrans)
                    for (float beta : {0.0f, 0.5f}) {
                        const int64_t M = mnk[0], N = mnk[1], K = mnk[2];  // (not structured bindings: CAPTURE's lambda)
                        CAPTURE(k::isa_name(isa));
                        CAPTURE(M);
                        CAPTURE(N);
                        CAPTURE(K);
                        CAPTURE(beta);
                        std::vector<float> A(static_cast<size_t>(M * K), nan), B(static_cast<size_t>(K * N), nan);
                        std::vector<float> C(static_cast<size_t>(M * N)), bias(static_cast<size_t>(N));
                        for (size_t i = 0; i < C.size(); ++i) C[i] = static_cast<float>(static_cast<int64_t>(i % 9) - 4);
                        for (size_t j = 0; j < bias.size(); ++j) bias[j] = 0.25f * static_cast<float>(j % 5);
                        const std::vector<float> C0 = C;
                        k::sgemm_fused(ta, tb, M, N, K, 0.0f, A.data(), ta == Trans::No ? K : M, B.data(),
                                       tb == Trans::No ? N : K, beta, C.data(), N, {.bias = bias.data(), .act = Activation::ReLU});
                        int wrong = 0;
                        for (int64_t i = 0; i < M; ++i)
                            for (int64_t j = 0; j < N; ++j) {
                                const float want = std::max(0.0f, beta * C0[static_cast<size_t>(i * N + j)] + bias[static_cast<size_t>(j)]);
                                wrong += C[static_cast<size_t>(i * N + j)] != want;
                            }
                        CHECK(wrong == 0);
                    }
    }
}

TEST_CASE("sgemm: invalid sizes, leading dimensions and null operands are an nnfs::Error, and nothing is written") {
    // As BLAS's argument checks: a leading dimension below its matrix's row width made the kernels read
    // rows that overlap, or with a negative one, write outside C's buffer (found by a differential campaign).
    std::vector<float> A(64, 1.0f), B(64, 1.0f), C(64, 5.0f);
    struct Bad {
        Trans ta, tb;
        int64_t M, N, K, lda, ldb, ldc;
        const char* says;
    };
    const Bad bad[] = {
        {Trans::No, Trans::No, 2, 3, 4, 3, 3, 3, "lda"},   {Trans::Yes, Trans::No, 2, 3, 4, 1, 3, 3, "lda"},
        {Trans::No, Trans::No, 2, 3, 4, 4, 2, 3, "ldb"},   {Trans::No, Trans::Yes, 2, 3, 4, 4, 3, 3, "ldb"},
        {Trans::No, Trans::No, 2, 3, 4, 4, 3, 2, "ldc"},   {Trans::No, Trans::No, 2, 3, 4, 4, 3, -3, "ldc"},
        {Trans::No, Trans::No, 2, 3, 4, -4, 3, 3, "lda"},  {Trans::No, Trans::No, -1, 3, 4, 4, 3, 3, "negative"},
        {Trans::No, Trans::No, 2, -3, 4, 4, 3, 3, "negative"}, {Trans::No, Trans::No, 2, 3, -4, 4, 3, 3, "negative"},
    };
    for (const Bad& b : bad) {
        CAPTURE(b.says);
        CAPTURE(b.lda);
        CAPTURE(b.ldc);
        for (int fused = 0; fused < 2; ++fused) {
            try {
                if (fused)
                    k::sgemm_fused(b.ta, b.tb, b.M, b.N, b.K, 1.0f, A.data(), b.lda, B.data(), b.ldb, 0.0f, C.data(), b.ldc, {});
                else
                    k::sgemm(b.ta, b.tb, b.M, b.N, b.K, 1.0f, A.data(), b.lda, B.data(), b.ldb, 0.0f, C.data(), b.ldc);
                FAIL("no nnfs::Error");
            } catch (const nnfs::Error& e) {
                const std::string what = e.what();
                CHECK(what.find(fused ? "sgemm_fused(" : "sgemm(") == 0);
                CHECK(what.find(b.says) != std::string::npos);
                CHECK(what.find("M " + std::to_string(b.M)) != std::string::npos);
            }
        }
    }
    CHECK(std::count(C.begin(), C.end(), 5.0f) == 64);
    // Null operands that would be read; not when nothing reads them (alpha 0, K 0, M or N 0).
    CHECK_THROWS_AS(k::sgemm(Trans::No, Trans::No, 2, 3, 4, 1.0f, nullptr, 4, B.data(), 3, 0.0f, C.data(), 3), nnfs::Error);
    CHECK_THROWS_AS(k::sgemm(Trans::No, Trans::No, 2, 3, 4, 1.0f, A.data(), 4, nullptr, 3, 0.0f, C.data(), 3), nnfs::Error);
    CHECK_THROWS_AS(k::sgemm(Trans::No, Trans::No, 2, 3, 4, 1.0f, A.data(), 4, B.data(), 3, 0.0f, nullptr, 3), nnfs::Error);
    CHECK_NOTHROW(k::sgemm(Trans::No, Trans::No, 2, 3, 4, 0.0f, nullptr, 4, nullptr, 3, 0.0f, C.data(), 3));
    CHECK_NOTHROW(k::sgemm(Trans::No, Trans::No, 2, 3, 0, 1.0f, nullptr, 0, nullptr, 3, 0.0f, C.data(), 3));
    CHECK_NOTHROW(k::sgemm(Trans::No, Trans::No, 0, 3, 4, 1.0f, nullptr, 4, nullptr, 3, 0.0f, nullptr, 3));
    // A leading dimension of exactly the row width, or more, is valid on every transposition.
    for (Trans ta : kTrans)
        for (Trans tb : kTrans)
            CHECK_NOTHROW(k::sgemm(ta, tb, 2, 3, 4, 1.0f, A.data(), ta == Trans::No ? 4 : 2, B.data(), tb == Trans::No ? 3 : 4,
                                   0.0f, C.data(), 3));
}

TEST_CASE("sgemm: a product of -0 stays -0 through Identity, ReLU and Tanh on every path (ReLU passes -0)") {
    // C = act(-1 * (0 * 1 + ...)) = act(-0) = -0 for every element, tails of rows and columns included
    // (the small-M path's last partial vector turned it into +0: found by a differential campaign).
    Restore restore;
    const std::array<int64_t, 3> shapes[] = {{1, 20, 1}, {3, 37, 5}, {4, 9, 28}, {5, 13, 4}, {17, 10, 64}, {30, 50, 33}, {7, 100, 16}};
    for (Isa isa : runnable_isas(true))
        for (auto path : {k::detail::GemmPath::Auto, k::detail::GemmPath::Packed, k::detail::GemmPath::Direct, k::detail::GemmPath::SmallM,
                          k::detail::GemmPath::NarrowDot, k::detail::GemmPath::DotNT, k::detail::GemmPath::NoCopy})
            for (const auto& mnk : shapes)
                for (Trans ta : kTrans)
                    for (Trans tb : kTrans)
                        for (Activation act : {Activation::Identity, Activation::ReLU, Activation::Tanh}) {
                            k::set_max_isa(isa);
                            k::detail::gemm_path = path;
                            const int64_t M = mnk[0], N = mnk[1], K = mnk[2];
                            const std::vector<float> A(static_cast<size_t>(M * K), 0.0f), B(static_cast<size_t>(K * N), 1.0f);
                            std::vector<float> C(static_cast<size_t>(M * N), std::numeric_limits<float>::quiet_NaN());
                            k::sgemm_fused(ta, tb, M, N, K, -1.0f, A.data(), ta == Trans::No ? K : M, B.data(), tb == Trans::No ? N : K,
                                           0.0f, C.data(), N, {.bias = nullptr, .act = act});
                            int64_t positive = 0;
                            for (float c : C) positive += !(c == 0.0f && std::signbit(c));
                            CHECK_MESSAGE(positive == 0, k::isa_name(isa) << " path " << static_cast<int>(path) << " "
                                                          << (ta == Trans::Yes ? "T" : "N") << (tb == Trans::Yes ? "T" : "N") << " M" << M
                                                          << " N" << N << " K" << K << " " << act_name(act) << ": " << positive
                                                          << " elements not -0");
                        }
}

TEST_CASE("sgemm: bitwise identical results for 1 and 2 threads, every path") {
    Restore restore;
    struct Shape {
        Trans ta, tb;
        int64_t M, N, K;
    };
    const Shape shapes[] = {
        {Trans::No, Trans::Yes, 64, 128, 784},  {Trans::No, Trans::No, 256, 784, 256 / 4},
        {Trans::Yes, Trans::No, 300, 200, 100}, {Trans::Yes, Trans::Yes, 37, 1000, 97},
        {Trans::No, Trans::No, 1001, 19, 300},  {Trans::No, Trans::Yes, 512, 10, 600},
        {Trans::No, Trans::Yes, 256, 10, 128},  {Trans::No, Trans::No, 333, 7, 77},
        {Trans::No, Trans::Yes, 280, 300, 900}, {Trans::No, Trans::No, 140, 4200, 40},
        // narrow C: split along M with a shared B panel, several kc blocks
        {Trans::No, Trans::No, 600, 12, 1500},
        // the dot path: 11 row tiles (the last of one row), two blocks of B's rows
        {Trans::No, Trans::Yes, 61, 253, 800},
        // the no-copy path (Auto: op(B) = B, B within L2): 25 strips and 3 rows, 2 tiles and 4 columns; op(A) = A^T
        {Trans::No, Trans::No, 203, 100, 130}, {Trans::Yes, Trans::No, 203, 200, 250},
    };
    // Case n of a shape (odd n: beta 0, no bias, identity; even n: beta 0.5, bias, act) against the
    // reference on 1 and on 2 threads, and the two results bitwise equal.
    const auto check_one_two = [](const Shape& s, uint32_t n, Activation act) {
        const Case c{.ta = s.ta, .tb = s.tb, .M = s.M, .N = s.N, .K = s.K, .beta = n % 2 ? 0.0f : 0.5f,
                     .bias = n % 2 == 0, .act = n % 2 ? Activation::Identity : act};
        nnfs::set_num_threads(1);
        const std::vector<float> one = check_case(c, n);
        nnfs::set_num_threads(2);
        const std::vector<float> two = check_case(c, n);
        CHECK_MESSAGE(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0, c.str());
    };
    for (Isa isa : runnable_isas(false)) {
        for (auto path : {k::detail::GemmPath::Auto, k::detail::GemmPath::Packed, k::detail::GemmPath::Direct,
                          k::detail::GemmPath::NarrowDot, k::detail::GemmPath::DotNT, k::detail::GemmPath::NoCopy}) {
            k::set_max_isa(isa);
            k::detail::gemm_path = path;
            uint32_t n = 0;
            for (const Shape& s : shapes) check_one_two(s, ++n, Activation::Tanh);
        }
    }
    // The threads sharing a packed B panel (split along M): N = 72 deals out worse along N on every ISA
    // (3, 5 and 9 register tiles), and a small blocking gives several kc blocks and nc panels.
    const Shape team_shapes[] = {
        {Trans::No, Trans::Yes, 280, 72, 900}, {Trans::No, Trans::No, 146, 72, 300}, {Trans::Yes, Trans::No, 200, 72, 333}};
    k::detail::gemm_path = k::detail::GemmPath::Packed;
    for (Isa isa : runnable_isas(false)) {
        k::set_max_isa(isa);
        const k::detail::GemmIsa* gi = k::detail::gemm_isa(isa);
        restore.save(gi->blocking);
        gi->blocking->kc = 128;
        gi->blocking->nc = 2 * gi->nr;
        uint32_t n = 100;
        for (const Shape& s : team_shapes) check_one_two(s, ++n, Activation::ReLU);
    }
}

TEST_CASE("sgemm small-M path (M <= 4): sizes around the vector width and the register blocks, every ISA") {
    Restore restore;
    k::detail::gemm_path = k::detail::GemmPath::SmallM;
    const Activation acts[] = {Activation::Identity, Activation::ReLU, Activation::Sigmoid, Activation::Tanh};
    for (Isa isa : runnable_isas(false)) {
        k::set_max_isa(isa);
        const int64_t W = k::detail::gemm_isa(isa)->nr_narrow;  // floats per vector
        // N: partial vectors, the overlapping last vector, the register blocks (up to 16 rows of B or
        // 16 vectors of columns per block, fewer for more rows of A) and the thread chunk of 64 columns.
        std::vector<int64_t> ns = around(W);
        for (int64_t v : {4 * W + 3, 8 * W - 1, 16 * W + 1, int64_t{63}, int64_t{65}, int64_t{131}}) ns.push_back(v);
        // K: the masked tail of the dot form, K < W, exact multiples.
        const std::vector<int64_t> ks = {1, 3, W - 1, W, W + 1, 2 * W + 5, 100};
        uint32_t n = 0;
        for (int64_t M = 1; M <= k::detail::kSmallMMax; ++M)
            for (Trans ta : kTrans)
                for (Trans tb : kTrans)
                    for (int64_t N : ns) {
                        ++n;
                        Case c = sweep_case(ta, tb, M, N, ks[(n * 3) % ks.size()], n);
                        c.bias = n % 7 < 3;
                        c.act = acts[n % 4];
                        check_case(c, n);
                    }
        // Every K with one N per transposition of B, at M = 1 (batch-1 inference) and 4.
        for (int64_t M : {int64_t{1}, int64_t{4}})
            for (Trans tb : kTrans)
                for (int64_t K : ks) {
                    ++n;
                    Case c;
                    c.tb = tb;
                    c.M = M;
                    c.N = 3 * W + 1;
                    c.K = K;
                    c.beta = 0.0f;
                    c.bias = true;
                    c.act = Activation::ReLU;
                    check_case(c, n);
                }
    }
}

TEST_CASE("sgemm small-M path: batch-1 layer shapes, the same bits for 1 and 2 threads and as Auto picks it") {
    Restore restore;
    struct Shape {
        Trans ta, tb;
        int64_t M, N, K;
    };
    // Linear forward x W^T (NT), input gradient dY W (NN), and a large enough product to use 2 threads.
    const Shape shapes[] = {{Trans::No, Trans::Yes, 1, 256, 784}, {Trans::No, Trans::No, 1, 784, 256},
                            {Trans::Yes, Trans::Yes, 3, 1000, 999}, {Trans::No, Trans::No, 4, 2049, 300},
                            {Trans::No, Trans::Yes, 2, 10, 128}};
    for (Isa isa : runnable_isas(false)) {
        k::set_max_isa(isa);
        uint32_t n = 0;
        for (const Shape& s : shapes) {
            ++n;
            const Case c{.ta = s.ta, .tb = s.tb, .M = s.M, .N = s.N, .K = s.K, .beta = n % 2 ? 0.0f : 0.5f,
                         .bias = true, .act = n % 2 ? Activation::ReLU : Activation::Sigmoid};
            k::detail::gemm_path = k::detail::GemmPath::SmallM;
            nnfs::set_num_threads(1);
            const std::vector<float> one = check_case(c, n);
            nnfs::set_num_threads(2);
            const std::vector<float> two = check_case(c, n);
            CHECK_MESSAGE(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0, c.str());
            k::detail::gemm_path = k::detail::GemmPath::Auto;
            const std::vector<float> autop = check_case(c, n);
            CHECK_MESSAGE(std::memcmp(one.data(), autop.data(), one.size() * sizeof(float)) == 0, c.str());
        }
    }
}
