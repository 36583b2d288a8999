// The model file of nnfs-train / nnfs-predict: one StateDict file (nnfs/state_dict.hpp: checksummed,
// written atomically) holding everything needed to predict from raw CSV rows:
//   strings   "format" = "nnfs-tools-model", "architecture" (ModelSpec::str), "label_column",
//             "class_names" (newline-separated, may be empty), "feature_names" (each ended by a newline;
//             version 2 on: version 1 files, without it, are still read)
//   integers  "format_version" = 2
//   tensors   "model.*" (the network's parameters and buffers, as state_refs names them),
//             "standardizer.mean", "standardizer.scale" (fitted on the training part)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nnfs/sequential.hpp>
#include <nnfs/standardizer.hpp>
#include <nnfs/tensor.hpp>

#include "model_spec.hpp"

namespace nnfs_tools {

struct ModelInfo {
    ModelSpec spec;
    nnfs::Standardizer standardizer;       // fitted on the training part
    std::string label_column;              // name of the label column in the training CSV
    std::vector<std::string> feature_names;  // the training CSV's feature columns, in order (empty: unknown)
    std::vector<std::string> class_names;  // empty, or one per class
};

void save_model_file(const std::string& path, nnfs::Sequential& net, const ModelInfo& info);

struct LoadedModel {
    ModelInfo info;
    std::unique_ptr<nnfs::Sequential> net;  // in eval mode
};
// Reads and checks the whole file before building anything: a missing, truncated, corrupted or
// inconsistent file is an nnfs::Error naming the file and the problem, never a half-loaded model.
LoadedModel load_model_file(const std::string& path);

}  // namespace nnfs_tools
