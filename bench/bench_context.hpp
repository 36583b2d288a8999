// Context recorded by every libnnfs benchmark (bm_peak, which measures the machine alone, aside): what
// the kernels run on, threads, and the revision.
#pragma once

#include <benchmark/benchmark.h>

#include <string>

#include "nnfs/nnfs.hpp"

#if __has_include("nnfs_revision.h")
#include "nnfs_revision.h"  // generated at build time (bench/CMakeLists.txt)
#endif
#ifndef NNFS_GIT_REVISION
#define NNFS_GIT_REVISION "unknown"
#endif

namespace nnfs::bench {

inline void add_context() {
    benchmark::AddCustomContext("nnfs_kernels", nnfs::kernel_info());
    benchmark::AddCustomContext("nnfs_default_threads", std::to_string(nnfs::get_num_threads()));
    benchmark::AddCustomContext("nnfs_revision", NNFS_GIT_REVISION);
}

}  // namespace nnfs::bench

// main() of a libnnfs benchmark binary: Google Benchmark's, plus the context above.
#define NNFS_BENCHMARK_MAIN()                        \
    int main(int argc, char** argv) {                \
        benchmark::Initialize(&argc, argv);          \
        nnfs::bench::add_context();                  \
        benchmark::RunSpecifiedBenchmarks();         \
        benchmark::Shutdown();                       \
        return 0;                                    \
    }
