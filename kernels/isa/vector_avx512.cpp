// Vector (non-GEMM) kernels for avx512: the instantiation of kernels/simd/vector_table.hpp for xsimd::avx512f.
// Compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma -ffp-contract=off (kernels/CMakeLists.txt); called only when the CPU and OS support it.
#include "simd/vector_table.hpp"

namespace nnfs::kernels::detail {

constinit const VectorIsa vector_avx512 = simd::vector_table<xsimd::avx512f>("avx512");

}  // namespace nnfs::kernels::detail
