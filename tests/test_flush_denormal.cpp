// Flushing subnormal floats to zero (nnfs::set_flush_denormal, nnfs::kernels::set_flush_denormal).
// Off (the default): a kernel keeps the subnormal values the hardware computes. On: results that would be
// subnormal are 0 (FTZ) and subnormal inputs read as 0 (DAZ), in every kernel, on every instruction set
// and on every thread of a kernel's team. Either way the application's own floating-point mode (MXCSR)
// is the same after a kernel call as before it.
#include <doctest/doctest.h>
#include <xmmintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "nnfs/kernels.hpp"
#include "nnfs/runtime.hpp"
#include "nnfs/tensor.hpp"
#include "support/rerun_self.hpp"
#include "support/isas.hpp"

using nnfs::test::runnable_isas;

namespace k = nnfs::kernels;
using k::Isa;
using k::Trans;

namespace {

constexpr unsigned kFtzDaz = 0x8040;  // MXCSR bits 15 (FTZ) and 6 (DAZ)
constexpr unsigned kOverflowFlag = 0x8;  // MXCSR bit 3 (OE), sticky

// Sets flushing, the instruction-set cap and the thread count for a scope, then puts them back.
struct Settings {
    bool flush = nnfs::flush_denormal();
    Isa isa = k::current_isa();
    int threads = k::get_num_threads();
    ~Settings() {
        nnfs::set_flush_denormal(flush);
        k::set_max_isa(isa);
        k::set_num_threads(threads);
    }
};

struct Shape {
    Trans ta, tb;
    int64_t M, N, K;
};

// Every SGEMM path: short K (the direct path's registers), narrow C (the dot kernel on AVX-512), one row
// (small M), x W^T at a small batch (the dot-product path: Tensors are 64-byte aligned), the direct path
// with op(B) in L1 (K N <= 2^15), and packed NN and TN (K N > 2^15) large enough for two threads to split
// (the second thread's MXCSR is set inside the packed path's parallel region).
const Shape kShapes[] = {
    {Trans::No, Trans::Yes, 32, 16, 4},    {Trans::No, Trans::Yes, 256, 10, 128}, {Trans::No, Trans::Yes, 1, 300, 64},
    {Trans::No, Trans::Yes, 64, 128, 784}, {Trans::No, Trans::No, 300, 200, 100}, {Trans::No, Trans::No, 300, 400, 100},
    {Trans::Yes, Trans::No, 200, 400, 90},
};

// C = op(A) op(B) with every element of A equal to a and of B equal to b; the extreme values of C.
void product(const Shape& s, float a, float b, float& lo, float& hi) {
    nnfs::Tensor A = nnfs::Tensor::full({s.M * s.K}, a), B = nnfs::Tensor::full({s.K * s.N}, b);
    nnfs::Tensor C = nnfs::Tensor::full({s.M * s.N}, -1.0f);
    const int64_t lda = s.ta == Trans::No ? s.K : s.M, ldb = s.tb == Trans::No ? s.N : s.K;
    k::sgemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N);
    lo = hi = C.data()[0];
    for (int64_t i = 0; i < s.M * s.N; ++i) {
        lo = std::min(lo, C.data()[i]);
        hi = std::max(hi, C.data()[i]);
    }
}

}  // namespace

TEST_CASE("sgemm: subnormals kept by default, flushed to 0 when asked, on every path, ISA and thread count") {
    Settings settings;
    for (Isa isa : runnable_isas(true))
        for (int threads : {1, 2})
            for (const Shape& s : kShapes) {
                k::set_max_isa(isa);
                k::set_num_threads(threads);
                CAPTURE(std::string(k::isa_name(isa)));
                CAPTURE(threads);
                CAPTURE(s.M);
                CAPTURE(s.N);
                CAPTURE(s.K);
                float lo = 0, hi = 0;
                // Products of 1e-22 and 1e-22 are subnormal (1e-44), and so is their sum over K <= 784.
                nnfs::set_flush_denormal(false);
                product(s, 1e-22f, 1e-22f, lo, hi);
                CHECK(lo > 0.0f);
                CHECK(hi < 1.17549435e-38f);
                nnfs::set_flush_denormal(true);
                product(s, 1e-22f, 1e-22f, lo, hi);
                CHECK(lo == 0.0f);
                CHECK(hi == 0.0f);
                // Subnormal inputs (1e-40) times 1: kept, or read as 0.
                nnfs::set_flush_denormal(false);
                product(s, 1e-40f, 1.0f, lo, hi);
                CHECK(lo > 0.0f);
                nnfs::set_flush_denormal(true);
                product(s, 1e-40f, 1.0f, lo, hi);
                CHECK(lo == 0.0f);
                CHECK(hi == 0.0f);
            }
}

TEST_CASE("elementwise, softmax and optimizer kernels flush too, on one and two threads") {
    Settings settings;
    const int64_t n = 300000;  // several threads' worth of elements
    for (Isa isa : runnable_isas(true))
        for (int threads : {1, 2})
            for (bool flush : {false, true}) {
                k::set_max_isa(isa);
                k::set_num_threads(threads);
                nnfs::set_flush_denormal(flush);
                CAPTURE(std::string(k::isa_name(isa)));
                CAPTURE(threads);
                CAPTURE(flush);
                std::vector<float> a(n, 1e-20f), b(n, 1e-20f), y(n, -1.0f);
                k::multiply(y.data(), a.data(), b.data(), n);  // 1e-40
                CHECK((flush ? y.front() == 0.0f && y.back() == 0.0f : y.front() > 0.0f && y.back() > 0.0f));
                std::vector<float> x(n, 1e-40f);
                k::activation_forward(k::Activation::Tanh, y.data(), x.data(), n);  // tanh(1e-40) = 1e-40
                CHECK((flush ? y.front() == 0.0f && y.back() == 0.0f : y.front() > 0.0f && y.back() > 0.0f));
                // softmax([0, -100]) = [1, 3.7e-44]: the small probability is subnormal
                const float logits[2] = {0.0f, -100.0f};
                float prob[2] = {-1.0f, -1.0f};
                k::softmax_forward(prob, logits, 1, 2);
                CHECK(prob[0] == 1.0f);
                CHECK((flush ? prob[1] == 0.0f : prob[1] > 0.0f));
                // SGD without momentum: p - lr g with lr g subnormal leaves p; a subnormal p itself goes to 0
                std::vector<float> p(n, 1e-40f), g(n, 0.0f);
                k::sgd_update(p.data(), nullptr, g.data(), n, 0.1f, 0.0f, 0.0f, false);
                CHECK((flush ? p.front() == 0.0f && p.back() == 0.0f : p.front() == 1e-40f && p.back() == 1e-40f));
                // The loss forwards (found by an outside audit: two entry points without the scope): the mean
                // of squares of 1e-20 is 1e-40, subnormal; a subnormal probability reads as 0 (log clamped at -100).
                const std::vector<float> tiny(16, 1e-20f), zeros(16, 0.0f), ones(16, 1.0f), sub(16, 1e-39f);
                const float mse = k::mse_forward(tiny.data(), zeros.data(), 16);
                CHECK((flush ? mse == 0.0f : mse > 0.0f));
                const float bce = k::bce_forward(sub.data(), ones.data(), 16);
                CHECK((flush ? bce == 100.0f : bce < 90.0f));
            }
}

TEST_CASE("kernels leave the application's floating-point mode as it was") {
    Settings settings;
    const unsigned saved = _mm_getcsr();
    const float a[1] = {1e30f}, b[1] = {1e30f};
    float c[1] = {0.0f};
    for (int threads : {1, 2}) {
        k::set_num_threads(threads);
        CAPTURE(threads);
        // Flushing on, the application's mode off: off again after the call, and the overflow the kernel
        // raised stays raised.
        nnfs::set_flush_denormal(true);
        _mm_setcsr(saved & ~(kFtzDaz | kOverflowFlag));
        k::sgemm(Trans::No, Trans::No, 1, 1, 1, 1.0f, a, 1, b, 1, 0.0f, c, 1);
        CHECK(c[0] == std::numeric_limits<float>::infinity());
        CHECK((_mm_getcsr() & kFtzDaz) == 0u);
        CHECK((_mm_getcsr() & kOverflowFlag) != 0u);
        // The application flushes on its own, the library's switch off: still flushing after the call, and
        // inside it too (it is the application's mode).
        nnfs::set_flush_denormal(false);
        _mm_setcsr(saved | kFtzDaz);
        const float tiny[1] = {1e-22f};
        k::sgemm(Trans::No, Trans::No, 1, 1, 1, 1.0f, tiny, 1, tiny, 1, 0.0f, c, 1);
        CHECK(c[0] == 0.0f);
        CHECK((_mm_getcsr() & kFtzDaz) == kFtzDaz);
    }
    _mm_setcsr(saved);
}

TEST_CASE("nnfs::set_flush_denormal is the kernels' switch") {
    Settings settings;
    CHECK(nnfs::set_flush_denormal(true));
    CHECK(nnfs::flush_denormal());
    CHECK(k::flush_denormal());
    CHECK(nnfs::set_flush_denormal(false));
    CHECK_FALSE(nnfs::flush_denormal());
    CHECK_FALSE(k::flush_denormal());
}

// Values in any case, blanks around them ignored; an unrecognised one is said on stderr and leaves it off.
TEST_CASE("NNFS_FLUSH_DENORMAL turns flushing on at start") {
    const char* env = std::getenv("NNFS_FLUSH_DENORMAL");
    const std::vector<std::string> on_values = {"1", "TRUE", " on ", "yes"}, off_values = {"0", "off", "False", "", "garbage"};
    if (env) {  // a child run: on without any call (and a kernel flushes), or off
        const bool on = std::find(on_values.begin(), on_values.end(), std::string(env)) != on_values.end();
        CHECK(nnfs::flush_denormal() == on);
        const float tiny[1] = {1e-22f};
        float c[1] = {-1.0f};
        k::sgemm(Trans::No, Trans::No, 1, 1, 1, 1.0f, tiny, 1, tiny, 1, 0.0f, c, 1);
        CHECK((on ? c[0] == 0.0f : c[0] > 0.0f));
        return;
    }
    nnfs::test::check_in_children("NNFS_FLUSH_DENORMAL", on_values, "NNFS_FLUSH_DENORMAL*", "garbage");
    nnfs::test::check_in_children("NNFS_FLUSH_DENORMAL", off_values, "NNFS_FLUSH_DENORMAL*", "garbage");
}
