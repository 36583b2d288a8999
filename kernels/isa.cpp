// Which instruction set the SIMD kernels run on: detected once (xsimd's cpuid AND the compiler's
// __builtin_cpu_supports, which also checks that the OS saves the AVX / AVX-512 state), capped by
// NNFS_MAX_ISA at first use and by set_max_isa afterwards. Compiled for baseline x86-64.
#include <xsimd/xsimd.hpp>

#include <atomic>

#include "env_setting.hpp"
#include "isa_now.hpp"
#include "nnfs/kernels.hpp"

namespace nnfs::kernels {

namespace {

Isa detect() {
    const auto archs = xsimd::available_architectures();
    __builtin_cpu_init();
    // The AVX-512 files are compiled with F, DQ, BW and VL (every AVX-512 CPU since Skylake-SP; Xeon Phi
    // has F without the others and runs the AVX2 path).
    if (archs.avx512f && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        return Isa::AVX512;
    if (archs.fma3_avx2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::AVX2;
    if (archs.sse2 && __builtin_cpu_supports("sse2")) return Isa::SSE2;
    return Isa::Reference;
}

Isa min_isa(Isa a, Isa b) { return static_cast<int>(a) < static_cast<int>(b) ? a : b; }

// NNFS_MAX_ISA, or AVX512 (no cap) when unset or empty; anything unrecognised is said on stderr (no cap).
Isa env_cap() {
    const std::string s = detail::env_value("NNFS_MAX_ISA");
    if (s.empty()) return Isa::AVX512;
    for (Isa isa : {Isa::Reference, Isa::SSE2, Isa::AVX2, Isa::AVX512})
        if (s == isa_name(isa)) return isa;
    if (s == "scalar") return Isa::Reference;
    detail::env_unrecognised("NNFS_MAX_ISA", s, "ref, scalar, sse2, avx2 or avx512");
    return Isa::AVX512;
}

}  // namespace

std::atomic<int> detail::g_isa{-1};  // -1: not chosen yet

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::SSE2: return "sse2";
        case Isa::AVX2: return "avx2";
        case Isa::AVX512: return "avx512";
        case Isa::Reference: break;
    }
    return "ref";
}

Isa supported_isa() {
    static const Isa best = detect();
    return best;
}

Isa current_isa() {
    int isa = detail::g_isa.load(std::memory_order_acquire);
    if (isa < 0) {
        int expected = -1;
        detail::g_isa.compare_exchange_strong(expected, static_cast<int>(min_isa(supported_isa(), env_cap())));
        isa = detail::g_isa.load(std::memory_order_acquire);
    }
    return static_cast<Isa>(isa);
}

Isa set_max_isa(Isa cap) {
    const Isa isa = min_isa(supported_isa(), cap);
    detail::g_isa.store(static_cast<int>(isa), std::memory_order_release);
    return isa;
}

}  // namespace nnfs::kernels
