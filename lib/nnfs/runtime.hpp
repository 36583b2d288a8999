// Library-wide settings: the random generator's seed, kernel threads, and what the kernels run on.
#pragma once

#include <cstdint>
#include <string>

namespace nnfs {

// Seeds the library's generator: weight initialisation and dropout masks are reproducible from it.
void manual_seed(uint64_t seed);

// Threads used by the kernels (never the application's global OpenMP settings). Results are
// bitwise identical for every thread count. n < 1 is an nnfs::Error.
void set_num_threads(int n);
int get_num_threads();

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
}  // namespace detail

}  // namespace nnfs
