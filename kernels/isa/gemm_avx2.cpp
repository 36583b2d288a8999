// SGEMM for avx2: the instantiations of kernels/simd/gemm_kernel.hpp for xsimd::fma3<xsimd::avx2>.
// Compiled with -mavx2 -mfma (kernels/CMakeLists.txt); called only when the CPU and OS support it.
#include "simd/gemm_kernel.hpp"
#include "simd/gemm_small_m.hpp"

namespace nnfs::kernels::detail {

namespace {

using Arch = xsimd::fma3<xsimd::avx2>;
constexpr int MR = 6, NV = 2;  // packed register tile: MR rows x NV vectors of 8 floats
constexpr int MR_NARROW = 12;  // narrow C: MR_NARROW rows x 1 vector
GemmBlocking blocking{384, 96, 4096};  // kc, mc, nc (swept on a Xeon with 48 KiB L1, 2 MiB L2)

void packed(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, const GemmTeam* team) {
    simd::gemm_packed<Arch, MR, NV>(g, m0, m1, n0, n1, blocking, team);
}
void packed_narrow(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, const GemmTeam* team) {
    simd::gemm_packed<Arch, MR_NARROW, 1>(g, m0, m1, n0, n1, blocking, team);
}
// Direct path: 8 rows x 1 vector for N <= one vector, else 6 rows x 2 vectors.
void direct(const GemmArgs& g, int64_t m0, int64_t m1) { simd::gemm_direct<Arch, 8, 6>(g, m0, m1); }
// Small-M path: 8 vector accumulators.
void small_m(const GemmArgs& g, int64_t n0, int64_t n1) { simd::gemm_small_m<Arch, 8>(g, n0, n1); }

}  // namespace

const GemmIsa gemm_avx2{"avx2 6x16", MR, NV * 8, &blocking, &packed, MR_NARROW, 8, &packed_narrow, 8, 6, &direct, &small_m, 0, nullptr, 0, nullptr};

}  // namespace nnfs::kernels::detail
