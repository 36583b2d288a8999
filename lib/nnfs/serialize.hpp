// Saving and loading models and training checkpoints (file format: nnfs/state_dict.hpp).
//
// save/load: a module's parameters and buffers (BatchNorm running statistics) by name ("0.weight",
// "1.running_mean" in a Sequential). load is all-or-nothing: a missing, truncated, corrupted or
// mismatched file (other names or shapes) throws nnfs::Error and leaves the module as it was.
// A save writes beside the target and renames over it when complete: the old file survives a failure.
#pragma once

#include <cstdint>
#include <string>

#include "nnfs/module.hpp"
#include "nnfs/optimizer.hpp"
#include "nnfs/state_dict.hpp"

namespace nnfs {

void save(const Module& module, const std::string& path);
void load(Module& module, const std::string& path);

// A training checkpoint: the model ("model."), the optimizer's state ("optimizer.": moments, momentum
// buffers, step counts), the library generator's position (dropout masks, initialisations) and the
// number of completed epochs. Training resumed from it continues bitwise as if never interrupted
// (restart a DataLoader at that epoch with DataLoader::set_epoch). Optimizer options such as lr are
// the caller's and are not stored, nor are gradients (a resumed model has none: the runs agree while
// every parameter gets a gradient in each step, or the loop clears with zero_grad(true)).
// load_checkpoint is all-or-nothing and returns the epoch count.
void save_checkpoint(const Module& module, const Optimizer& optimizer, int64_t epoch, const std::string& path);
int64_t load_checkpoint(Module& module, Optimizer& optimizer, const std::string& path);

// The module's parameters and buffers as references, for building files of one's own.
StateRefs state_refs(Module& module);

}  // namespace nnfs
