// libFuzzer target: the tools' model file (nnfs-predict's loader, which rebuilds the network from the
// architecture string the file holds) on arbitrary bytes. Only nnfs::Error may come out, and a model
// that loads must predict: its network maps a batch of `inputs` features to `classes` logits.
#include <nnfs/nnfs.hpp>

#include "fuzz_file.hpp"
#include "model_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static nnfs_fuzz::ScratchFile file(".nnfs");
    const std::string& path = file.write_checksummed(data, size);
    try {
        const nnfs_tools::LoadedModel m = nnfs_tools::load_model_file(path);
        const nnfs_tools::ModelSpec& spec = m.info.spec;
        if (!m.net) nnfs_fuzz::violated("load_model_file returned no network");
        nnfs::Tensor x({2, spec.inputs});
        x.fill(0.5f);
        m.info.standardizer.transform(x);
        const nnfs::Tensor& y = m.net->forward(x);
        if (y.dim() != 2 || y.size(0) != 2 || y.size(1) != spec.classes) nnfs_fuzz::violated("a loaded model predicts the wrong shape");
    } catch (const nnfs::Error&) {
    }
    return 0;
}
