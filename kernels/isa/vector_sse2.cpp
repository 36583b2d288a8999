// Vector (non-GEMM) kernels for sse2: the instantiation of kernels/simd/vector_table.hpp for xsimd::sse2.
// Compiled with -ffp-contract=off only (baseline x86-64) (kernels/CMakeLists.txt); called only when the CPU and OS support it.
#include "simd/vector_table.hpp"

namespace nnfs::kernels::detail {

constinit const VectorIsa vector_sse2 = simd::vector_table<xsimd::sse2>("sse2");

}  // namespace nnfs::kernels::detail
