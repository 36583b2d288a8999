// The instruction sets this CPU can run, for tests that force every kernel path through the ISA cap.
#pragma once

#include <vector>

#include "nnfs/kernels.hpp"

namespace nnfs::test {

// Best last; the scalar reference first when asked for (the SIMD paths are compared against it, so
// some tests run it as one more path).
inline std::vector<nnfs::kernels::Isa> runnable_isas(bool with_reference) {
    using nnfs::kernels::Isa;
    std::vector<Isa> out;
    for (Isa isa : {Isa::Reference, Isa::SSE2, Isa::AVX2, Isa::AVX512})
        if ((isa != Isa::Reference || with_reference) &&
            static_cast<int>(isa) <= static_cast<int>(nnfs::kernels::supported_isa()))
            out.push_back(isa);
    return out;
}

}  // namespace nnfs::test
