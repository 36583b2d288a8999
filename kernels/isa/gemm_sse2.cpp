// SGEMM for sse2: the instantiations of kernels/simd/gemm_kernel.hpp for xsimd::sse2.
// Compiled with no extra flags (baseline x86-64) (kernels/CMakeLists.txt); called only when the CPU and OS support it.
#include "simd/gemm_kernel.hpp"
#include "simd/gemm_small_m.hpp"

namespace nnfs::kernels::detail {

namespace {

using Arch = xsimd::sse2;
constexpr int MR = 6, NV = 2;  // packed register tile: MR rows x NV vectors of 4 floats
constexpr int MR_NARROW = 8;  // narrow C: MR_NARROW rows x 1 vector
GemmBlocking blocking{256, 192, 4096};  // kc, mc, nc

void packed(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, const GemmTeam* team) {
    simd::gemm_packed<Arch, MR, NV>(g, m0, m1, n0, n1, blocking, team);
}
void packed_narrow(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, const GemmTeam* team) {
    simd::gemm_packed<Arch, MR_NARROW, 1>(g, m0, m1, n0, n1, blocking, team);
}
// Direct path: 6 rows x 1 vector for N <= one vector, else 4 rows x 2 vectors.
void direct(const GemmArgs& g, int64_t m0, int64_t m1) { simd::gemm_direct<Arch, 6, 4>(g, m0, m1); }
// Small-M path: 8 vector accumulators.
void small_m(const GemmArgs& g, int64_t n0, int64_t n1) { simd::gemm_small_m<Arch, 8>(g, n0, n1); }

}  // namespace

const GemmIsa gemm_sse2{"sse2 6x8", MR, NV * 4, &blocking, &packed, MR_NARROW, 4, &packed_narrow, 6, 4, &direct, &small_m, 0, nullptr, 0, nullptr};

}  // namespace nnfs::kernels::detail
