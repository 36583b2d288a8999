// DataLoader: mini-batches over a Dataset, reshuffled every epoch from (seed, epoch), so a run is
// reproducible and an epoch can be replayed. The batch buffers are reused: after the first batch of
// a given size, iterating allocates nothing.
//
//   DataLoader loader(train, 32, {.shuffle = true, .seed = 1});
//   for (int epoch = 0; epoch < 200; ++epoch)
//       for (loader.start_epoch(); loader.next();) step(loader.features(), loader.labels());
//   // one output and BCEWithLogitsLoss: loss.forward(net.forward(loader.features()), loader.label_column())
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nnfs/dataset.hpp"

namespace nnfs {

struct DataLoaderOptions {
    bool shuffle = true;
    uint64_t seed = 0;
    bool drop_last = false;  // drop a last batch smaller than batch_size
};

class DataLoader {
public:
    // `data` must outlive the loader and keep its size (nnfs::Error from next() otherwise).
    // drop_last with fewer samples than batch_size gives epochs with no batch (as PyTorch).
    DataLoader(const Dataset& data, int64_t batch_size, DataLoaderOptions options = {});

    // Begins the next epoch (the first call begins epoch 0): resets the position and reshuffles.
    void start_epoch();
    // Loads the next batch into features()/labels(); false at the end of the epoch.
    bool next();
    const Tensor& features() const { return batch_features_; }  // (batch, features)
    std::span<const int32_t> labels() const { return batch_labels_; }
    // The same labels as floats, a (batch, 1) tensor: the target of BCEWithLogitsLoss, BCELoss or
    // MSELoss for a model with one output (binary classification: labels 0 and 1).
    const Tensor& label_column() const { return batch_label_column_; }
    int64_t batches_per_epoch() const;
    int64_t epoch() const { return epoch_; }
    // Makes the next start_epoch() begin epoch `epoch` (resuming from a checkpoint).
    void set_epoch(int64_t epoch);

private:
    // nnfs::Error unless the data set holds one feature row per label and still has its original size.
    void check_data() const;
    const Dataset* data_;
    int64_t batch_size_;
    DataLoaderOptions options_;
    std::vector<int64_t> order_;
    int64_t position_ = 0;
    int64_t epoch_ = -1;
    Tensor batch_features_;
    std::vector<int32_t> batch_labels_;
    Tensor batch_label_column_;
};

}  // namespace nnfs
