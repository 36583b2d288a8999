// Context recorded by every libnnfs benchmark: what the kernels run on, threads, and the revision.
#pragma once

#include <benchmark/benchmark.h>

#include <string>

#include "nnfs/nnfs.hpp"

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
