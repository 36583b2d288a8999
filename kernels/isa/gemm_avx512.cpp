// SGEMM for avx512: the instantiations of kernels/simd/gemm_kernel.hpp for xsimd::avx512f.
// Compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma (kernels/CMakeLists.txt); called only when the CPU and OS support it.
#include "simd/gemm_dot_nt.hpp"
#include "simd/gemm_kernel.hpp"
#include "simd/gemm_narrow_dot.hpp"
#include "simd/gemm_nocopy.hpp"
#include "simd/gemm_small_m.hpp"

namespace nnfs::kernels::detail {

namespace {

using Arch = xsimd::avx512f;
constexpr int MR = 14, NV = 2;  // packed register tile: MR rows x NV vectors of 16 floats
constexpr int MR_NARROW = 28;  // narrow C: MR_NARROW rows x 1 vector
// kc, mc, nc, swept on a Xeon with 48 KiB L1, 2 MiB L2. kc 512 (was 384; K is cut into equal blocks of at
// most kc): fewer passes over C and fewer packing calls per FMA; alternated in one process with 384, one
// thread, 2-4 runs: NT 512^3 +3%, NN/NT/TN 1024^3 -1 to +5%, 2048^3 +1 to +7%, NT 256x256x784 +1-3%; two
// threads +2 to +6% on all of them (bench/results/prefetch-2026-11-26.md). 640 and 768 gained no more.
GemmBlocking blocking{512, 42, 4096};

void packed(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, const GemmTeam* team) {
    simd::gemm_packed<Arch, MR, NV>(g, m0, m1, n0, n1, blocking, team);
}
void packed_narrow(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, const GemmTeam* team) {
    simd::gemm_packed<Arch, MR_NARROW, 1>(g, m0, m1, n0, n1, blocking, team);
}
// Narrow C with A read by rows takes the dot-product kernel (lanes along K) for N <= 12 and K >= 8
// under Auto. Measured against the one-vector tiles (M 32 and 256, K 4 to 1024, op(B) both ways):
// N 10, K 128: 145 vs 90 GFLOP/s; N 3: 75 vs 27. With N of 13 and more the tiles use enough lanes to
// win, and at K < 8 the short-K kernel (op(B) in registers) does.
constexpr int64_t kNarrowDotMinK = 8;
bool narrow_dot(const GemmArgs& g) {
    if (g.ta != Trans::No || g.N > simd::kNarrowDotMaxN) return false;
    if (gemm_path == GemmPath::NarrowDot) return true;
    return gemm_path == GemmPath::Auto && g.K >= kNarrowDotMinK;
}
// Direct path: 16 rows x 1 vector for N <= one vector, else 12 rows x 2 vectors (or the narrow dot
// kernel, above).
void direct(const GemmArgs& g, int64_t m0, int64_t m1) {
    if (narrow_dot(g))
        simd::gemm_narrow_dot<Arch>(g, m0, m1);
    else
        simd::gemm_direct<Arch, 16, 12>(g, m0, m1);
}
// Small-M path: 16 vector accumulators.
void small_m(const GemmArgs& g, int64_t n0, int64_t n1) { simd::gemm_small_m<Arch, 16>(g, n0, n1); }
void dot_nt(const GemmArgs& g, int64_t m0, int64_t m1) { simd::gemm_dot_nt<Arch>(g, m0, m1); }
// No-copy path: strips of 8 rows x 3 vectors.
constexpr int NOCOPY_R = 8;
void nocopy(const GemmArgs& g, int64_t m0, int64_t m1) { simd::gemm_nocopy<Arch, NOCOPY_R, 3>(g, m0, m1); }

}  // namespace

const GemmIsa gemm_avx512{"avx512 14x32", MR, NV * 16, &blocking, &packed, MR_NARROW, 16, &packed_narrow, 16, 12, &direct, &small_m, simd::kDotRows, &dot_nt, NOCOPY_R, &nocopy};

}  // namespace nnfs::kernels::detail
