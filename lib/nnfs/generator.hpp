// Random generators: Philox streams that weight initialisation and Dropout masks draw from, the
// process-wide default one, and GeneratorGuard, which gives one application thread its own.
#pragma once

#include <cstdint>
#include <mutex>

namespace nnfs {

namespace detail {
// A position in the Philox stream: draws start at its 128-bit block `offset` under `seed`.
struct RandomStream {
    uint64_t seed;
    uint64_t offset;
};
}  // namespace detail

// A random generator: the (seed, offset) of a Philox stream, every draw reserving the next blocks.
// Weight initialisation (Linear's constructor) and Dropout masks draw from the
// generator of the calling thread (current_generator()).
//
// Threads, as in PyTorch: there is ONE default generator for the whole process, not one per thread.
// Its draws are serialized by a mutex, so any thread may draw at any time, but when several application
// threads draw at once, which thread gets which numbers depends on their scheduling. For reproducible
// work in several threads at once, give each thread its own Generator with a GeneratorGuard:
//     nnfs::Generator gen(seed);
//     nnfs::GeneratorGuard use(gen);   // this thread draws from gen until `use` goes out of scope
// A Generator may itself be shared by threads (draws stay serialized, their order is again theirs).
class Generator {
public:
    static constexpr uint64_t default_seed = 0x6e6e66735eedULL;  // runs are reproducible even unseeded
    explicit Generator(uint64_t seed = default_seed) : seed_(seed) {}
    Generator(const Generator&) = delete;
    Generator& operator=(const Generator&) = delete;

    // Restarts the stream at `seed` (offset 0).
    void manual_seed(uint64_t seed);
    uint64_t seed() const;

private:
    friend detail::RandomStream detail_reserve(Generator&, int64_t);
    friend detail::RandomStream detail_state(const Generator&);
    friend void detail_set_state(Generator&, detail::RandomStream);
    mutable std::mutex mutex_;
    uint64_t seed_;
    uint64_t offset_ = 0;
};

// The process-wide default generator.
Generator& default_generator();

// Makes `gen` this thread's generator for the guard's lifetime (guards nest; other threads are not
// affected). Destroy guards in reverse order of construction, on the thread that made them.
class GeneratorGuard {
public:
    explicit GeneratorGuard(Generator& gen);
    ~GeneratorGuard();
    GeneratorGuard(const GeneratorGuard&) = delete;
    GeneratorGuard& operator=(const GeneratorGuard&) = delete;

private:
    Generator* previous_;
};

// This thread's generator: the innermost GeneratorGuard's, else the default generator.
Generator& current_generator();

}  // namespace nnfs
