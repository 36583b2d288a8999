// Vector exp, log, log1p, tanh and sigmoid on xsimd batches of float, for the vector kernels.
//
// Accuracy (measured against double over every float the kernels can pass, tests/test_vector_math.cpp):
// relative error at most ~2 ulp (< 1e-6) wherever the result is a normal float. Saturation matches
// std::exp / std::tanh in float: exp(x) is +inf above ln(FLT_MAX) = 88.72, rounds through the
// subnormals to +0 below -103.97; tanh(+-1e4) = +-1; no NaN for any finite input, and NaN for a NaN
// (as std::exp / std::tanh and PyTorch).
// Why not xsimd::exp: xsimd 8.1 overflows to inf from x = 88.38 on, short of FLT_MAX.
// Everything here is templated on the Arch, so each isa/ translation unit gets its own copy.
#pragma once

#include <xsimd/xsimd.hpp>

#include <cstdint>
#include <type_traits>

namespace nnfs::kernels::simd {

template <class Arch>
using vfloat = xsimd::batch<float, Arch>;

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

// n / d for finite d >= 1 (the only divisions here). AVX-512: the 14-bit vrcp14ps refined by one
// Newton step (relative error ~2^-28) and a multiply: within ~1 ulp, four times the throughput of
// vdivps. Elsewhere a division.
template <class Arch>
inline vfloat<Arch> divide(vfloat<Arch> n, vfloat<Arch> d) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        const __m512 r = _mm512_rcp14_ps(d);
        const __m512 e = _mm512_fnmadd_ps(d, r, _mm512_set1_ps(1.0f));  // 1 - d r
        return _mm512_mul_ps(n, _mm512_fmadd_ps(r, e, r));
    } else
#endif
    {
        return n / d;
    }
}

// exp(x): x = n ln2 + r with |r| <= ln2 / 2 (Cody-Waite: n * kLn2Hi is exact for |n| < 2^15),
// e^r by Cephes' degree-7 polynomial, then p 2^n rounded once, also into the subnormals, and +inf
// from 2^128 on: AVX-512 vscalefps; elsewhere 2^n applied in two halves (both normal floats).
template <class Arch>
inline vfloat<Arch> exp(vfloat<Arch> x) {
    using V = vfloat<Arch>;
    using I = xsimd::batch<int32_t, Arch>;
    constexpr float kLog2e = 1.44269504088896341f, kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
    // Beyond: +inf / 0 anyway; keeps n in range. x is the second operand on purpose: x86's min/max return
    // the second operand when one is NaN, so a NaN stays NaN (as the bound first, exp(NaN) was +inf) at
    // the cost of the plain clamp (xsimd 8.1's min/max are minps/maxps(self, other) on every ISA here).
    x = xsimd::max(V(-104.0f), xsimd::min(V(89.0f), x));
    const V n = xsimd::nearbyint(x * V(kLog2e));
    const V r = fmadd<Arch>(-n, V(kLn2Lo), fmadd<Arch>(-n, V(kLn2Hi), x));  // x - n ln2
    V p = V(1.9875691500e-4f);
    p = fmadd<Arch>(p, r, V(1.3981999507e-3f));
    p = fmadd<Arch>(p, r, V(8.3334519073e-3f));
    p = fmadd<Arch>(p, r, V(4.1665795894e-2f));
    p = fmadd<Arch>(p, r, V(1.6666665459e-1f));
    p = fmadd<Arch>(p, r, V(5.0000001201e-1f));
    p = fmadd<Arch>(p, r * r, r) + V(1.0f);
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
        return _mm512_scalef_ps(p, n);
    } else
#endif
    {
        const I ni = xsimd::to_int(n);
        const I h = ni >> 1;  // 2^n = 2^h 2^(n-h), both normal for n in [-150, 129]
        const V s1 = xsimd::bitwise_cast<V>((h + I(127)) << 23);
        const V s2 = xsimd::bitwise_cast<V>((ni - h + I(127)) << 23);
        return (p * s1) * s2;
    }
}

// tanh(x): Cephes' odd polynomial for |x| < 0.625, else sign(x) (1 - 2 / (exp(2|x|) + 1)) with |x|
// clamped at 10 (tanh(10) rounds to 1 in float; keeps exp finite), so +-1e4 saturate to +-1.
template <class Arch>
inline vfloat<Arch> tanh(vfloat<Arch> x) {
    using V = vfloat<Arch>;
    const V a = xsimd::abs(x);
    const V z = x * x;
    V p = V(-5.70498872745e-3f);
    p = fmadd<Arch>(p, z, V(2.06390887954e-2f));
    p = fmadd<Arch>(p, z, V(-5.37397155531e-2f));
    p = fmadd<Arch>(p, z, V(1.33314422036e-1f));
    p = fmadd<Arch>(p, z, V(-3.33332819422e-1f));
    const V small = fmadd<Arch>(p * z, x, x);
    const V a10 = xsimd::min(V(10.0f), a);  // a second: a NaN stays NaN (see exp)
    const V big = V(1.0f) - divide<Arch>(V(2.0f), exp<Arch>(a10 + a10) + V(1.0f));
    return xsimd::select(a < V(0.625f), small, xsimd::copysign(big, x));
}

// sigmoid(x) = 1 / (1 + exp(-x)) for x >= 0 and e / (1 + e), e = exp(x), below: exp never overflows.
template <class Arch>
inline vfloat<Arch> sigmoid(vfloat<Arch> x) {
    using V = vfloat<Arch>;
    const V e = exp<Arch>(-xsimd::abs(x));
    return divide<Arch>(xsimd::select(x >= V(0.0f), V(1.0f), e), V(1.0f) + e);
}

// log(x): xsimd 8.1's (Cephes-derived, < 1 ulp measured, subnormals, 0 -> -inf, inf -> inf).
template <class Arch>
inline vfloat<Arch> log(vfloat<Arch> x) {
    return xsimd::log(x);
}

// log(1 - x) for x <= 1, accurate also for tiny x (Goldberg: log(u) x / (u - 1) with u = 1 - x
// corrects the rounding of u; u == 1 means log(1 - x) = -x to within an ulp).
template <class Arch>
inline vfloat<Arch> log1m(vfloat<Arch> x) {
    using V = vfloat<Arch>;
    const V u = V(1.0f) - x;
    const V d = u - V(1.0f);
    return xsimd::select(d == V(0.0f), -x, log<Arch>(u) * (-x / d));
}

}  // namespace nnfs::kernels::simd
