// Library-wide settings: the random generator's seed, kernel threads, and what the kernels run on.
#pragma once

#include <cstdint>
#include <string>

#include "nnfs/tensor.hpp"

namespace nnfs {

// Seeds the library's generator: weight initialisation and dropout masks are reproducible from it.
void manual_seed(uint64_t seed);

// Threads used by the kernels (never the application's global OpenMP settings). Results are
// bitwise identical for every thread count. n < 1 is an nnfs::Error.
void set_num_threads(int n);
int get_num_threads();

// Anomaly detection (off by default; on at start when the environment sets NNFS_DETECT_ANOMALY=1):
// Sequential checks every layer's output, its input gradient and its parameters' gradients, and the
// losses their values and gradients, for NaN and Inf, and raises nnfs::Error naming the first layer and
// phase that produced one. Costs a pass over every tensor; off, a branch per call. A module called on its
// own, outside a Sequential, is not checked (ReLU, Sigmoid and Tanh cannot turn finite values into NaN
// or Inf; Linear, BatchNorm1d, Dropout and Softmax's backward can overflow).
void set_detect_anomaly(bool on);
bool detect_anomaly();

// The implementations the kernel dispatcher chose, e.g. "sgemm: ref; elementwise: ref".
std::string kernel_info();

namespace detail {
// A reserved slice of the Philox stream: `blocks` 128-bit blocks starting at `offset` under `seed`.
struct RandomStream {
    uint64_t seed;
    uint64_t offset;
};
// Reserves enough blocks for n values and advances the generator past them (thread-safe).
RandomStream reserve_random(int64_t n);
// The generator's position, and setting it back (checkpoints).
RandomStream generator_state();
void set_generator_state(RandomStream state);
// nnfs::Error "anomaly: <what> has NaN at element [i, j] of <shape>" when t holds a NaN or an Inf.
void check_finite(const Tensor& t, const std::string& what);
}  // namespace detail

}  // namespace nnfs
