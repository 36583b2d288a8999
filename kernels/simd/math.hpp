// Vector exp, log, log1m (log(1 - x)), tanh and sigmoid on xsimd batches of float, for the vector kernels.
//
// Accuracy (measured against double over every float the kernels can pass, tests/test_vector_math.cpp):
// relative error at most ~2 ulp (< 1e-6) wherever the result is a normal float. Saturation matches
// std::exp / std::tanh in float: exp(x) is +inf above ln(FLT_MAX) = 88.72, rounds through the
// subnormals to +0 below -103.97; tanh(+-1e4) = +-1; no NaN for any finite input, and NaN for a NaN
// (as std::exp / std::tanh and PyTorch).
// Why not xsimd::exp: xsimd 8.1 overflows to inf from x = 88.38 on, short of FLT_MAX.
// Speed: the elementwise kernels are bound by the issue ports (AVX-512: two for 512-bit ops), so every
// operation counts: FMA magic-number rounding, polynomials split into independent FMAs, 2^n from bits,
// vrcp14ps + Newton instead of vdivps, fast paths for the common range with a branch to the general
// code for any other lane instead of selects on every vector.
// Everything here is templated on the Arch, so each isa/ translation unit gets its own copy.
#pragma once

#include <xsimd/xsimd.hpp>

#include <bit>
#include <cfloat>
#include <cstdint>
#include <type_traits>

namespace nnfs::kernels::simd {

template <class Arch>
using vfloat = xsimd::batch<float, Arch>;

// Whether fmadd / fnmadd round once on Arch (an FMA instruction: the AVX2 and AVX-512 builds); on SSE2
// they are a multiply and an add.
template <class Arch>
inline constexpr bool kFusedFma = !std::is_same_v<Arch, xsimd::sse2>;

// a b + c, one rounding where the ISA has FMA (xsimd 8.1's fma for avx512f is a multiply and an add).
template <class Arch>
inline vfloat<Arch> fmadd(vfloat<Arch> a, vfloat<Arch> b, vfloat<Arch> c) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        return _mm512_fmadd_ps(a, b, c);
    } else
#endif
    {
        return xsimd::fma(a, b, c);
    }
}

// 1 / d for d a normal float of at most 2^126 in magnitude (1 / d normal). AVX-512: the 14-bit
// vrcp14ps refined by one Newton step (relative error ~2^-28, within ~1 ulp), four times the throughput
// of vdivps. Elsewhere a division.
template <class Arch>
inline vfloat<Arch> reciprocal(vfloat<Arch> d) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        const __m512 r = _mm512_rcp14_ps(d);
        return _mm512_fmadd_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(1.0f)), r);  // r + r (1 - d r)
    } else
#endif
    {
        return vfloat<Arch>(1.0f) / d;
    }
}

// n / d, d as for reciprocal: AVX-512 n (1 / d) (above), elsewhere a division.
template <class Arch>
inline vfloat<Arch> divide(vfloat<Arch> n, vfloat<Arch> d) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        return n * reciprocal<Arch>(d);
    } else
#endif
    {
        return n / d;
    }
}

// Adam's sqrt(v) / b (b = sqrt(1 - beta2^t), constant over a call), each rounded to float as vsqrtps and
// vdivps round them, without the divider where that is safe. Why: on AVX-512 the divider takes 12 cycles
// for a vector's square root and 10 for a division, and Adam, with one of each and the division m / denom
// per element, was bound by it in L1 and L2.

// Whether every lane of x lies in [2^-100, FLT_MAX], the range of sqrt_in_range (NaN is outside).
template <class Arch>
inline bool sqrt_range(vfloat<Arch> x) {
    return xsimd::all((x >= vfloat<Arch>(0x1p-100f)) & (x <= vfloat<Arch>(FLT_MAX)));
}

// sqrt(x) for x in [2^-100, FLT_MAX] (sqrt_range), the bits of vsqrtps. AVX-512: y = vrsqrt14ps(x)
// (|error| < 2^-14), s = x y ~ sqrt(x), h = y / 2 ~ 1 / (2 sqrt(x)); one Goldschmidt step r = 1/2 - s h,
// s += s r, h += h r (error ~2^-27); then the residual d = x - s^2, exact in one FMA (|d| < 2^-24 x: it
// fits in the 24 bits above s^2's last bit, which x >= 2^-100 keeps above the subnormals), and s + d h
// rounded once: within ~2^-52 of sqrt(x), and sqrt(x) of a float x is never that close to a midpoint m
// between floats (x = m^2 would take m of 25 bits squared into 24), so it rounds as sqrt(x) does.
// Checked on every float (tests/test_vector_math.cpp, the exhaustive case). Elsewhere vsqrtps / sqrtps (AVX2
// has a 12-bit estimate only: two steps would cost what the instruction does).
template <class Arch>
inline vfloat<Arch> sqrt_in_range(vfloat<Arch> x) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        const __m512 y = _mm512_rsqrt14_ps(x);
        __m512 s = _mm512_mul_ps(x, y);
        __m512 h = _mm512_mul_ps(_mm512_set1_ps(0.5f), y);
        const __m512 r = _mm512_fnmadd_ps(s, h, _mm512_set1_ps(0.5f));
        s = _mm512_fmadd_ps(s, r, s);
        h = _mm512_fmadd_ps(h, r, h);
        return _mm512_fmadd_ps(_mm512_fnmadd_ps(s, s, x), h, s);
    } else
#endif
    {
        return xsimd::sqrt(x);
    }
}

// x / b rounded to float, as vdivps rounds it, on ISAs with FMA (kFusedFma), for a constant b in
// [2^-12, 1] and x in [2^-50, 2^64] or 0 (Adam's: x = sqrt(v) for v in sqrt_range; b from a float beta2
// < 1; the argument needs x / b and the residual below far from the subnormals and from overflow):
// yh = 1 / b rounded to float, yl = 1 / b - yh rounded to float (|yh + yl - 1 / b| < 2^-48 / b); q = x yh
// + (x yl), one FMA, is within a relative 2^-47 of x / b, so a faithful rounding of it; then Markstein's
// correction: the residual x - b q is exact in one FMA, and q + (x - b q) yh rounds to x / b because yh is
// within a relative 2^-24 of 1 / b and q is faithful (Markstein's theorem: J.-M. Muller et al., Handbook
// of Floating-Point Arithmetic, on Newton-Raphson division). Checked on every significand of x against
// every b of beta2 = 0.9 and 0.99 until b rounds to 1 (tests/test_vector_math.cpp, the exhaustive case);
// without the correction, 1 significand in 2^23 comes out wrong for about 1 b in 12.
template <class Arch>
struct DivideByConstant {
    vfloat<Arch> b, yh, yl;
    // inverse = 1 / divisor rounded to double, which rounds to float as 1.0f / divisor does (a quotient of
    // floats is never within 2^-53 of a midpoint between floats: see SqrtOverConstant); one division a call.
    DivideByConstant(float divisor, double inverse)
        : b(divisor), yh(static_cast<float>(inverse)), yl(static_cast<float>(inverse - static_cast<double>(static_cast<float>(inverse)))) {}
    vfloat<Arch> operator()(vfloat<Arch> x) const;
};

// Range reduction shared by exp and tanh. z = x log2(e) + kShift rounds x log2(e) to an integer in z's
// low mantissa bits (the FMA "magic number": one rounding, no vrndscaleps / roundps in the chain), exact
// for |x log2(e)| < 2^22; kShift's 127 is the exponent bias, so z's bits shifted left by 23 are 2^n for
// n in [-126, 127].
constexpr float kLog2e = 1.44269504088896341f, kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kShift = 0x1.8p23f + 127.0f;

// x - n ln2 (Cody-Waite: n * kLn2Hi is exact for |n| < 2^15).
template <class Arch>
inline vfloat<Arch> reduce_ln2(vfloat<Arch> x, vfloat<Arch> n) {
    return fmadd<Arch>(n, vfloat<Arch>(-kLn2Lo), fmadd<Arch>(n, vfloat<Arch>(-kLn2Hi), x));  // -n would cost an op
}

// 2^n from z = n + kShift (see kShift), for n in [-126, 127].
template <class Arch>
inline vfloat<Arch> pow2_from_shifted(vfloat<Arch> z) {
    return xsimd::bitwise_cast<vfloat<Arch>>(xsimd::bitwise_cast<xsimd::batch<int32_t, Arch>>(z) << 23);
}

// P(r) of e^r = 1 + r + r^2 P(r) for |r| <= ln2 / 2, P of degree 4: a weighted least-squares fit of
// e^r's relative error (Lawson iterations toward minimax; coefficients rounded to float), 3.8e-9 in
// exact arithmetic, far below the float rounding (Cephes' degree-7 polynomial, used before, spent an
// FMA more on ~1e-11). Evaluated as (c0 + c1 r) + r^2 ((c2 + c3 r) + r^2 c4): two independent FMAs,
// then two, so the chain from r is 3 operations deep instead of Horner's 5.
template <class Arch>
inline vfloat<Arch> exp_poly(vfloat<Arch> r, vfloat<Arch> r2) {
    using V = vfloat<Arch>;
    const V q01 = fmadd<Arch>(V(1.6666521132e-01f), r, V(4.9999994040e-01f));
    const V q23 = fmadd<Arch>(V(8.3687109873e-03f), r, V(4.1668388993e-02f));
    return fmadd<Arch>(fmadd<Arch>(V(1.3814604608e-03f), r2, q23), r2, q01);
}

// exp(x): x = n ln2 + r with |r| <= ln2 / 2, e^r = 1 + r + r^2 P(r) (above), then 2^n e^r rounded once,
// also into the subnormals, and +inf from 2^128 on. AVX-512: vscalefps does all of that. Elsewhere,
// for |x| <= 87 (2^n a normal float: every lane of almost every call) 2^n (1 + q) as one FMA,
// s q + s with s = 2^n from z's bits; any lane beyond takes the general path: 2^n applied in two halves
// (both normal floats).
// NonPositive: the caller guarantees x <= 0 or NaN (sigmoid, BCE with logits), which saves the
// upper clamp (AVX-512) or the abs (elsewhere).
template <class Arch, bool NonPositive = false>
inline vfloat<Arch> exp(vfloat<Arch> x) {
    using V = vfloat<Arch>;
    using I = xsimd::batch<int32_t, Arch>;
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        // Beyond: +inf / 0 anyway; keeps n in range. x is the second operand on purpose: x86's min/max
        // return the second operand when one is NaN, so a NaN stays NaN (as the bound first, exp(NaN) was
        // +inf) at the cost of the plain clamp (xsimd 8.1's min/max are minps/maxps(self, other) here).
        x = xsimd::max(V(-104.0f), NonPositive ? x : xsimd::min(V(89.0f), x));
        const V n = fmadd<Arch>(x, V(kLog2e), V(kShift)) - V(kShift);
        const V r = reduce_ln2<Arch>(x, n);
        // 1 + r off the polynomial's chain (its rounding costs at most half an ulp more than (r + r^2 P) + 1).
        const V r2 = r * r;
        return _mm512_scalef_ps(fmadd<Arch>(exp_poly<Arch>(r, r2), r2, r + V(1.0f)), n);
    } else
#endif
    {
        // A NaN compares false and takes the fast path, where it stays NaN. Each lane's bits must not
        // depend on whether another lane sends the vector to the general path, whose 2^n (1 + q) rounds
        // once for a normal result. So does the FMA s q + s; without FMA (SSE2) s q is rounded first, which
        // changes nothing while s q is a normal float wherever it can move the sum's rounding (|s q| >=
        // 2^(n - 25): n >= -101), hence the fast path there only from x = -70 (n = -101) on.
        constexpr float low = kFusedFma<Arch> ? -87.0f : -70.0f;
        const auto beyond = NonPositive ? x < V(low) : kFusedFma<Arch> ? xsimd::abs(x) > V(87.0f) : (x < V(low)) | (x > V(87.0f));
        if (!xsimd::any(beyond)) [[likely]] {
            const V z = fmadd<Arch>(x, V(kLog2e), V(kShift));
            const V r = reduce_ln2<Arch>(x, z - V(kShift));
            const V s = pow2_from_shifted<Arch>(z);
            const V r2 = r * r;
            return fmadd<Arch>(fmadd<Arch>(exp_poly<Arch>(r, r2), r2, r), s, s);
        }
        x = xsimd::max(V(-104.0f), xsimd::min(V(89.0f), x));  // as above (NaN stays NaN)
        const V n = fmadd<Arch>(x, V(kLog2e), V(kShift)) - V(kShift);
        const V r = reduce_ln2<Arch>(x, n);
        const V r2 = r * r;
        const V p = fmadd<Arch>(exp_poly<Arch>(r, r2), r2, r) + V(1.0f);
        const I ni = xsimd::to_int(n);
        const I h = ni >> 1;  // 2^n = 2^h 2^(n-h), both normal for n in [-150, 129]
        const V s1 = xsimd::bitwise_cast<V>((h + I(127)) << 23);
        const V s2 = xsimd::bitwise_cast<V>((ni - h + I(127)) << 23);
        return (p * s1) * s2;
    }
}

// tanh(x) = sign(x) tanh(a), a = |x| clamped at 10 (tanh(10) rounds to 1 in float; keeps e^(2a) finite),
// so +-1e4 saturate to +-1. With m = e^(2a) - 1 and d = m + 2 = e^(2a) + 1: tanh(a) = m / d below 0.625
// (m = 2^n (e^r - 1) + (2^n - 1) keeps its relative accuracy for small a: n = 0 gives r + r^2 P(r)),
// 1 - 2 / d from there on (one rounding near 1, where tanh's gradient (1 - y)(1 + y) magnifies an ulp
// of y). One exp-like evaluation and one reciprocal for both; n is in [0, 29]: 2^n from z's bits,
// 2^n - 1 exact up to 2^24.
template <class Arch>
inline vfloat<Arch> tanh(vfloat<Arch> x) {
    using V = vfloat<Arch>;
    const V a = xsimd::min(V(10.0f), xsimd::abs(x));  // a second: a NaN stays NaN (see exp)
    const V t = a + a;
    const V z = fmadd<Arch>(t, V(kLog2e), V(kShift));
    const V s = pow2_from_shifted<Arch>(z);
    const V r = reduce_ln2<Arch>(t, z - V(kShift));
    const V r2 = r * r;
    const V m = fmadd<Arch>(fmadd<Arch>(exp_poly<Arch>(r, r2), r2, r), s, s - V(1.0f));
    const V inv = reciprocal<Arch>(m + V(2.0f));
    const V y = xsimd::select(a < V(0.625f), m * inv, fmadd<Arch>(V(-2.0f), inv, V(1.0f)));
    return xsimd::bitwise_or(y, xsimd::bitwise_and(x, V(-0.0f)));
}

// sigmoid(x) = 1 / (1 + exp(-x)) for x >= 0 and e / (1 + e), e = exp(x), below: exp never overflows.
template <class Arch>
inline vfloat<Arch> sigmoid(vfloat<Arch> x) {
    using V = vfloat<Arch>;
    const V e = exp<Arch, true>(xsimd::bitwise_or(x, V(-0.0f)));  // -|x|
    return divide<Arch>(xsimd::select(x >= V(0.0f), V(1.0f), e), V(1.0f) + e);
}

// -(a b) + c, one rounding where the ISA has FMA (as fmadd).
template <class Arch>
inline vfloat<Arch> fnmadd(vfloat<Arch> a, vfloat<Arch> b, vfloat<Arch> c) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        return _mm512_fnmadd_ps(a, b, c);
    } else
#endif
    {
        return xsimd::fnma(a, b, c);
    }
}

template <class Arch>
inline vfloat<Arch> DivideByConstant<Arch>::operator()(vfloat<Arch> x) const {
    const vfloat<Arch> q = fmadd<Arch>(x, yh, x * yl);
    return fmadd<Arch>(fnmadd<Arch>(q, b, x), yh, q);
}

// Logarithms: fdlibm's logf, as xsimd 8.1's (< 1 ulp measured): x = 2^k (1 + f) with 1 + f in
// [sqrt(2)/2, sqrt(2)), s = f / (2 + f), log(1 + f) = 2s + s R(s^2) = f - s (f - R) (fdlibm's short
// form, which it uses only below f ~ 0.3 without FMA; here s (f - R) - k ln2_lo is one FMA and the
// result k ln2_hi + (f - that) another), k ln2 in two parts. The reduction: ix = bits(x) + kLogBias has
// k + 127 in bits 23..30 and 1 + f = bits((ix & mantissa) + 0x3f3504f3).
constexpr int32_t kLogBias = 0x3f800000 - 0x3f3504f3;

// k ln2 + log(1 + f).
template <class Arch>
inline vfloat<Arch> log_reduced(vfloat<Arch> k, vfloat<Arch> f) {
    using V = vfloat<Arch>;
    const V s = divide<Arch>(f, V(2.0f) + f);
    const V z = s * s, w = z * z;
    // R = z (c2 + w c3) + w (c0 + w c1): xsimd's two Horner halves, as FMAs.
    const V R = fmadd<Arch>(z, fmadd<Arch>(w, V(std::bit_cast<float>(0x3e91e9eeu)), V(std::bit_cast<float>(0x3f2aaaaau))),
                            w * fmadd<Arch>(w, V(std::bit_cast<float>(0x3e789e26u)), V(std::bit_cast<float>(0x3eccce13u))));
    const V lo = fmadd<Arch>(s, f - R, k * V(-std::bit_cast<float>(0xb95e8083u)));  // s (f - R) - k ln2_lo
    return fmadd<Arch>(k, V(std::bit_cast<float>(0x3f318000u)), f - lo);             // k ln2_hi + ...
}

// log(x). For normal finite positive floats (every lane of almost every call) without xsimd's selects
// for 0, inf, NaN, negatives and subnormals, and with divide() (AVX-512: no vdivps, whose throughput
// bounded the BCE kernel); any other lane takes xsimd::log, and only that lane: a lane's result never
// depends on its neighbours (a row of a short-row block is bitwise the same row alone).
template <class Arch>
inline vfloat<Arch> log(vfloat<Arch> x) {
    using V = vfloat<Arch>;
    using I = xsimd::batch<int32_t, Arch>;
    const I ix = xsimd::bitwise_cast<I>(x) + I(kLogBias);
    const V k = xsimd::to_float((ix >> 23) - I(0x7f));
    const V f = xsimd::bitwise_cast<V>((ix & I(0x007fffff)) + I(0x3f3504f3)) - V(1.0f);
    const V y = log_reduced<Arch>(k, f);
    const auto normal = (x >= V(FLT_MIN)) & (x <= V(FLT_MAX));  // a NaN fails both
    if (!xsimd::all(normal)) [[unlikely]]
        return xsimd::select(normal, y, xsimd::log(x));
    return y;
}

// log(1 - x) for x <= 1, accurate also for tiny x. For u = 1 - x in [FLT_MIN, 2^100] (every vector of
// almost every call): k from the rounded u, but f from the exact 1 - x: f = (1 - x) 2^-k - 1 =
// (2^-k - 1) - x 2^-k, one rounding (2^-k - 1 is exact for k >= -24, which u >= 2^-24 guarantees for
// x < 1; for k > 24 its rounding is below 2^-24 against a result above 16). Otherwise Goldberg's
// log(u) x / (u - 1), which corrects the rounding of u (u == 1: log(1 - x) = -x within an ulp).
template <class Arch>
inline vfloat<Arch> log1m(vfloat<Arch> x) {
    using V = vfloat<Arch>;
    using I = xsimd::batch<int32_t, Arch>;
    const V u = V(1.0f) - x;
    const I e = (xsimd::bitwise_cast<I>(u) + I(kLogBias)) >> 23;  // k + 127
    const V k = xsimd::to_float(e - I(0x7f));
    const V sc = xsimd::bitwise_cast<V>((I(0xfe) - e) << 23);     // 2^-k
    const V y = log_reduced<Arch>(k, fnmadd<Arch>(x, sc, sc - V(1.0f)));
    const auto in_range = (u >= V(FLT_MIN)) & (u <= V(0x1p100f));  // a NaN fails both
    if (xsimd::all(in_range)) [[likely]]
        return y;
    // The other lanes only (as log above). Above 2^100, u = -x exactly and the factor is 1 (as written,
    // inf / inf at x = -inf, where log(1 - x) = +inf).
    const V d = u - V(1.0f);
    const V factor = xsimd::select(u > V(0x1p100f), V(1.0f), -x / d);
    return xsimd::select(in_range, y, xsimd::select(d == V(0.0f), -x, log<Arch>(u) * factor));
}

}  // namespace nnfs::kernels::simd
