// Static splits of work among the OpenMP threads, shared by the SGEMM dispatcher (kernels/gemm.cpp) and
// the elementwise kernels (kernels/dispatch.cpp). The split depends on the extent and thread count only,
// and callers cut at units whose arithmetic does not depend on where a cut falls, so results are bitwise
// the same for any thread count. Baseline x86-64 (no xsimd).
#pragma once

#include <omp.h>

#include <cstdint>

#include "denormal_scope.hpp"

namespace nnfs::kernels::detail {

// The largest OpenMP team a kernel called from this thread has forked since the caller last set it to 0
// (kernels/dispatch.cpp). Results are bitwise the same on any thread count, so they cannot show whether
// the kernels really ran on the threads asked for; tests read this instead.
int& team_high_water();

// Inside a kernel's parallel region: the master (the calling thread) records the team's size.
inline void note_team() {
    if (omp_get_thread_num() == 0 && omp_get_num_threads() > team_high_water()) team_high_water() = omp_get_num_threads();
}

// Units [u0, u1) of `units` for thread `t` of `threads`: contiguous, sizes differ by at most one.
inline void share(int64_t units, int t, int threads, int64_t& u0, int64_t& u1) {
    const int64_t base = units / threads, extra = units % threads;
    u0 = t * base + (t < extra ? t : extra);
    u1 = u0 + base + (t < extra ? 1 : 0);
}

// run(i0, i1) over [0, extent) cut into units of `step` (the last may be shorter), one contiguous share
// of units per thread, on at most `threads` threads (one or fewer: a plain call).
template <class Run>
void split_among_threads(int64_t extent, int64_t step, int threads, Run run) {
    const int64_t units = threads > 1 ? (extent + step - 1) / step : 1;  // (no division on one thread)
    if (threads > units) threads = static_cast<int>(units);
    if (threads <= 1) {
        run(int64_t{0}, extent);
        return;
    }
#pragma omp parallel num_threads(threads)
    {
        const DenormalScope flush;  // each thread's own MXCSR (the caller's entry point set its own)
        note_team();
        int64_t u0 = 0, u1 = 0;
        share(units, omp_get_thread_num(), omp_get_num_threads(), u0, u1);
        if (u1 > u0) run(u0 * step, u1 * step < extent ? u1 * step : extent);
    }
}

}  // namespace nnfs::kernels::detail
