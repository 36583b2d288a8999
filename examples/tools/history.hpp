// The per-epoch training history and its CSV file (epoch, train_loss, train_acc, val_loss, val_acc).
#pragma once

#include <string>
#include <vector>

namespace nnfs_tools {

struct EpochRecord {
    int epoch = 0;            // 1-based
    double train_loss = 0;    // mean over the epoch's samples, in training mode (as it was optimised)
    double train_acc = 0;     // of the same forward passes (Keras-style running accuracy)
    double val_loss = 0;      // on the validation part, in eval mode after the epoch
    double val_acc = 0;
};

// nnfs::Error if the file cannot be written.
void write_history_csv(const std::string& path, const std::vector<EpochRecord>& history);

}  // namespace nnfs_tools
