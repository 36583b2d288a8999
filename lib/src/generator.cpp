#include "nnfs/generator.hpp"

namespace nnfs {

detail::RandomStream detail_reserve(Generator& g, int64_t n) {
    std::lock_guard lock(g.mutex_);
    const detail::RandomStream s{g.seed_, g.offset_};
    g.offset_ += static_cast<uint64_t>((n + 3) / 4);
    return s;
}

detail::RandomStream detail_state(const Generator& g) {
    std::lock_guard lock(g.mutex_);
    return {g.seed_, g.offset_};
}

void detail_set_state(Generator& g, detail::RandomStream state) {
    std::lock_guard lock(g.mutex_);
    g.seed_ = state.seed;
    g.offset_ = state.offset;
}

void Generator::manual_seed(uint64_t seed) { detail_set_state(*this, {seed, 0}); }

uint64_t Generator::seed() const { return detail_state(*this).seed; }

Generator& default_generator() {
    static Generator g;
    return g;
}

namespace {
thread_local Generator* t_generator = nullptr;  // this thread's innermost GeneratorGuard, if any
}  // namespace

GeneratorGuard::GeneratorGuard(Generator& gen) : previous_(t_generator) { t_generator = &gen; }

GeneratorGuard::~GeneratorGuard() { t_generator = previous_; }

Generator& current_generator() { return t_generator ? *t_generator : default_generator(); }

}  // namespace nnfs
