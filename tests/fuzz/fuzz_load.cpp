// libFuzzer target: the StateDict reader and the model and checkpoint loaders on arbitrary bytes.
// Only nnfs::Error may come out of them; and a load that throws must leave the model (and for a
// checkpoint the optimizer and the generator) bit for bit as it was: nothing half-loads.
#include <cstring>
#include <vector>

#include <nnfs/nnfs.hpp>

#include "fuzz_file.hpp"

namespace {

using nnfs_fuzz::violated;

// A small model with parameters and buffers: Linear-ReLU-BatchNorm-Linear.
struct Fixture {
    nnfs::Sequential net;
    std::unique_ptr<nnfs::Adam> opt;
    Fixture() {
        nnfs::manual_seed(1);
        net.emplace<nnfs::Linear>(3, 4);
        net.emplace<nnfs::ReLU>();
        net.emplace<nnfs::BatchNorm1d>(4);
        net.emplace<nnfs::Linear>(4, 2);
        opt = std::make_unique<nnfs::Adam>(net.parameters());
    }
};

// Every byte of the state a load may write: module and optimizer tensors and integers, the generator.
std::vector<char> snapshot(nnfs::Sequential& net, nnfs::Optimizer& opt) {
    std::vector<char> out;
    auto add = [&out](const void* p, size_t n) { out.insert(out.end(), static_cast<const char*>(p), static_cast<const char*>(p) + n); };
    for (const nnfs::StateRefs& refs : {nnfs::state_refs(net), opt.state_refs()}) {
        for (const auto& [name, t] : refs.tensors) {
            add(name.data(), name.size());
            for (int64_t s : t->shape()) add(&s, sizeof s);
            add(t->data(), static_cast<size_t>(t->numel()) * sizeof(float));
        }
        for (const auto& [name, v] : refs.integers) add(v, sizeof *v);
    }
    const nnfs::detail::RandomStream g = nnfs::detail::generator_state();
    add(&g.seed, sizeof g.seed);
    add(&g.offset, sizeof g.offset);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static nnfs_fuzz::ScratchFile file(".nnfs");
    static Fixture fx;
    const std::string& path = file.write_checksummed(data, size);

    try {
        const nnfs::StateDict state = nnfs::read_state_file(path);
        for (const auto& [name, t] : state.tensors) {
            if (t.numel() != t.shape().numel()) violated("read_state_file: tensor numel disagrees with its shape");
        }
    } catch (const nnfs::Error&) {
    }

    const std::vector<char> before = snapshot(fx.net, *fx.opt);
    try {
        nnfs::load(fx.net, path);
    } catch (const nnfs::Error&) {
        if (snapshot(fx.net, *fx.opt) != before) violated("load threw but changed the model");
    }

    const std::vector<char> before_checkpoint = snapshot(fx.net, *fx.opt);
    try {
        nnfs::load_checkpoint(fx.net, *fx.opt, path);
    } catch (const nnfs::Error&) {
        if (snapshot(fx.net, *fx.opt) != before_checkpoint) violated("load_checkpoint threw but changed the model, optimizer or generator");
    }
    return 0;
}
