#include "model_file.hpp"

#include <nnfs/error.hpp>
#include <nnfs/serialize.hpp>
#include <nnfs/state_dict.hpp>

namespace nnfs_tools {

using nnfs::fail;

namespace {
constexpr const char* kFormat = "nnfs-tools-model";
constexpr int64_t kVersion = 2;  // 2: feature_names

// Names each ended by a newline (a single empty name stays one name); CSV names hold no line break.
std::string join_terminated(const std::vector<std::string>& items) {
    std::string s;
    for (const std::string& item : items) s += item + '\n';
    return s;
}

std::vector<std::string> split_terminated(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1) out.push_back(s.substr(start, nl - start));
    if (start != s.size()) out.push_back(s.substr(start));  // (no final newline: a damaged file, caught by the count)
    return out;
}

// Newline-separated (class_names, as version 1 wrote them): "" is no item.
std::string join_lines(const std::vector<std::string>& items) {
    std::string s = join_terminated(items);
    if (!s.empty()) s.pop_back();
    return s;
}

std::vector<std::string> split_lines(const std::string& s) { return s.empty() ? std::vector<std::string>{} : split_terminated(s + '\n'); }

template <class Map>
const typename Map::mapped_type& require(const Map& map, const std::string& key, const std::string& path) {
    const auto it = map.find(key);
    if (it == map.end()) fail("model file '", path, "' has no '", key, "' entry");
    return it->second;
}
}  // namespace

void save_model_file(const std::string& path, nnfs::Sequential& net, const ModelInfo& info) {
    nnfs::StateDict state;
    state.strings["format"] = kFormat;
    state.integers["format_version"] = kVersion;
    state.strings["architecture"] = info.spec.str();
    state.strings["label_column"] = info.label_column;
    state.strings["class_names"] = join_lines(info.class_names);
    state.strings["feature_names"] = join_terminated(info.feature_names);
    state.tensors["standardizer.mean"] = info.standardizer.mean();
    state.tensors["standardizer.scale"] = info.standardizer.scale();
    nnfs::state_refs(net).store(state, "model.");
    nnfs::write_state_file(state, path, "save model");
}

LoadedModel load_model_file(const std::string& path) {
    const nnfs::StateDict state = nnfs::read_state_file(path, "load model");  // checksum and structure
    if (const auto it = state.strings.find("format"); it == state.strings.end() || it->second != kFormat)
        fail("'", path, "' is not an nnfs-train model file (it may be a plain nnfs::save file)");
    const int64_t version = require(state.integers, "format_version", path);
    if (version != 1 && version != kVersion)
        fail("model file '", path, "' has format version ", version, ", this program reads versions 1 and ", kVersion);

    LoadedModel out;
    try {
        out.info.spec = ModelSpec::parse(require(state.strings, "architecture", path));
    } catch (const nnfs::Error& e) {
        fail("model file '", path, "': ", e.what());
    }
    out.info.label_column = require(state.strings, "label_column", path);
    out.info.class_names = split_lines(require(state.strings, "class_names", path));
    const nnfs::Tensor& mean = require(state.tensors, "standardizer.mean", path);
    const nnfs::Tensor& scale = require(state.tensors, "standardizer.scale", path);
    const int64_t inputs = out.info.spec.inputs;
    for (const nnfs::Tensor* t : {&mean, &scale})
        if (t->dim() != 1 || t->size(0) != inputs)
            fail("model file '", path, "': standardizer statistics ", t->shape(), ", expected [", inputs, "]");
    try {
        out.info.standardizer = nnfs::Standardizer(mean, scale);
    } catch (const nnfs::Error& e) {
        fail("model file '", path, "': ", e.what());
    }
    if (version >= 2) {
        out.info.feature_names = split_terminated(require(state.strings, "feature_names", path));
        if (!out.info.feature_names.empty() && static_cast<int64_t>(out.info.feature_names.size()) != inputs)
            fail("model file '", path, "': ", out.info.feature_names.size(), " feature names for ", inputs, " inputs");
    }
    if (!out.info.class_names.empty() && static_cast<int64_t>(out.info.class_names.size()) != out.info.spec.classes)
        fail("model file '", path, "': ", out.info.class_names.size(), " class names for ", out.info.spec.classes, " classes");

    // Sizes before building: a damaged architecture string must not allocate what the file cannot fill.
    int64_t in_file = 0;
    for (auto it = state.tensors.lower_bound("model."); it != state.tensors.end() && it->first.starts_with("model."); ++it)
        in_file += it->second.numel();
    if (const int64_t needed = out.info.spec.state_size(); needed != in_file)
        fail("model file '", path, "': architecture '", out.info.spec.str(), "' has ", needed,
             " parameter and buffer values, the file holds ", in_file);

    out.net = std::make_unique<nnfs::Sequential>();
    build_model(out.info.spec, *out.net);
    const nnfs::StateRefs refs = nnfs::state_refs(*out.net);
    refs.check(state, "model.", out.net->name(), path, "load model");  // names and shapes, before any copy
    refs.assign(state, "model.");
    out.net->eval();
    return out;
}

}  // namespace nnfs_tools
