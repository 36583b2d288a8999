#include "nnfs/serialize.hpp"

#include "nnfs/runtime.hpp"

namespace nnfs {

StateRefs state_refs(Module& module) {
    StateRefs refs;
    for (Parameter* p : module.parameters()) refs.tensors.emplace_back(p->name, &p->value);
    for (Buffer* b : module.buffers()) refs.tensors.emplace_back(b->name, &b->value);
    return refs;
}

void save(const Module& module, const std::string& path) {
    StateDict state;
    // parameters() and buffers() are non-const accessors but do not modify the module.
    state_refs(const_cast<Module&>(module)).store(state, "");
    write_state_file(state, path, "save");
}

void load(Module& module, const std::string& path) {
    const StateDict state = read_state_file(path, "load");
    const StateRefs refs = state_refs(module);
    refs.check(state, "", module.name(), path, "load");
    refs.assign(state, "");
}

void save_checkpoint(const Module& module, const Optimizer& optimizer, int64_t epoch, const std::string& path) {
    if (epoch < 0) fail("save_checkpoint: epoch ", epoch, ", expected >= 0");
    StateDict state;
    state.strings["optimizer_kind"] = optimizer.name();  // Adam's and AdamW's state have the same names
    state_refs(const_cast<Module&>(module)).store(state, "model.");
    const_cast<Optimizer&>(optimizer).state_refs().store(state, "optimizer.");
    const detail::RandomStream g = detail::generator_state();
    state.integers["generator.seed"] = static_cast<int64_t>(g.seed);
    state.integers["generator.offset"] = static_cast<int64_t>(g.offset);
    state.integers["epoch"] = epoch;
    write_state_file(state, path, "save_checkpoint");
}

int64_t load_checkpoint(Module& module, Optimizer& optimizer, const std::string& path) {
    const StateDict state = read_state_file(path, "load_checkpoint");
    const StateRefs model = state_refs(module), opt = optimizer.state_refs();
    model.check(state, "model.", module.name(), path, "load_checkpoint");
    opt.check(state, "optimizer.", optimizer.name(), path, "load_checkpoint");
    for (const char* key : {"generator.seed", "generator.offset", "epoch"}) {
        if (!state.integers.count(key)) fail("load_checkpoint: '", path, "' has no '", key, "'");
    }
    if (const auto kind = state.strings.find("optimizer_kind"); kind != state.strings.end() && kind->second != optimizer.name()) {
        fail("load_checkpoint: '", path, "' holds the state of ", kind->second, ", the optimizer is ", optimizer.name());
    }
    if (state.integers.at("epoch") < 0) fail("load_checkpoint: '", path, "' has epoch ", state.integers.at("epoch"));
    model.assign(state, "model.");
    opt.assign(state, "optimizer.");
    detail::set_generator_state({static_cast<uint64_t>(state.integers.at("generator.seed")),
                                 static_cast<uint64_t>(state.integers.at("generator.offset"))});
    return state.integers.at("epoch");
}

}  // namespace nnfs
