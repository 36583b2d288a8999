// Writes the seed files of corpus/load and corpus/model_file with the library itself, so the seeds are
// valid files of the current format (a fuzzer mutating valid files reaches past the checksum):
//   make_seeds <corpus dir>
// The committed corpus was made with it; rerun it when the file format changes.
#include <cstdio>
#include <string>
#include <vector>

#include <nnfs/nnfs.hpp>

#include "model_file.hpp"

namespace {

// The fuzz_load fixture's architecture, so its seeds load all the way.
void build(nnfs::Sequential& net) {
    net.emplace<nnfs::Linear>(3, 4);
    net.emplace<nnfs::ReLU>();
    net.emplace<nnfs::BatchNorm1d>(4);
    net.emplace<nnfs::Linear>(4, 2);
}

void train_once(nnfs::Sequential& net, nnfs::Optimizer& opt) {
    const nnfs::Tensor x = nnfs::Tensor::from({4, 3}, std::vector<float>{0.1f, 0.2f, 0.3f, 1.f, -1.f, 0.5f, 2.f, 0.f, -0.5f, 0.3f, 0.3f, 0.3f});
    const std::vector<int32_t> y = {0, 1, 1, 0};
    nnfs::CrossEntropyLoss loss;
    opt.zero_grad();
    loss.forward(net.forward(x), y);
    net.backward(loss.backward());
    opt.step();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_seeds <corpus dir>\n");
        return 2;
    }
    const std::string dir = argv[1];
    nnfs::manual_seed(7);

    nnfs::Sequential net;
    build(net);
    nnfs::Adam opt(net.parameters());
    train_once(net, opt);
    nnfs::save(net, dir + "/load/model.nnfs");
    nnfs::save_checkpoint(net, opt, 3, dir + "/load/checkpoint.nnfs");

    // Every entry kind, a scalar and an empty tensor, and an empty file.
    nnfs::StateDict kinds;
    kinds.tensors["scalar"] = nnfs::Tensor::from({}, std::vector<float>{1.5f});
    kinds.tensors["empty"] = nnfs::Tensor({0, 3});
    kinds.tensors["cube"] = nnfs::Tensor({1, 2, 1, 2});
    kinds.integers["n"] = -1;
    kinds.strings["s"] = "text";
    nnfs::write_state_file(kinds, dir + "/load/kinds.nnfs");
    nnfs::write_state_file({}, dir + "/load/empty.nnfs");

    // nnfs-predict's model files: with BatchNorm, dropout and class names; and a linear classifier.
    nnfs_tools::ModelInfo info;
    info.spec = nnfs_tools::ModelSpec::parse("mlp inputs=3 hidden=4 classes=2 activation=tanh batchnorm=1 dropout=0.25");
    info.standardizer = nnfs::Standardizer(nnfs::Tensor::from({3}, std::vector<float>{0.f, 1.f, -2.f}), nnfs::Tensor::from({3}, std::vector<float>{1.f, 2.f, 0.5f}));
    info.label_column = "label";
    info.class_names = {"no", "yes"};
    nnfs::Sequential tool_net;
    nnfs_tools::build_model(info.spec, tool_net);
    nnfs_tools::save_model_file(dir + "/model_file/mlp.nnfs", tool_net, info);

    info.spec = nnfs_tools::ModelSpec::parse("mlp inputs=3 hidden=none classes=3 activation=relu batchnorm=0 dropout=0");
    info.class_names.clear();
    nnfs::Sequential linear_net;
    nnfs_tools::build_model(info.spec, linear_net);
    nnfs_tools::save_model_file(dir + "/model_file/linear.nnfs", linear_net, info);
    return 0;
}
