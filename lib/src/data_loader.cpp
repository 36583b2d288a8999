#include "nnfs/data_loader.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

namespace nnfs {

DataLoader::DataLoader(const Dataset& data, int64_t batch_size, DataLoaderOptions options)
    : data_(&data), batch_size_(batch_size), options_(options), order_(static_cast<size_t>(data.size())) {
    if (batch_size < 1) fail("DataLoader: batch_size ", batch_size, ", expected >= 1");
    if (data.size() < 1) fail("DataLoader: empty data set");
    // Shapes, and labels >= 0 as train_test_split requires them (a scan, so once here; check_data
    // repeats the shape check per batch, against a data set changed since).
    data.check("DataLoader");
    batch_labels_.reserve(static_cast<size_t>(batch_size));
}

void DataLoader::check_data() const {
    // The batches are copied straight from the data set's rows: a features tensor that does not hold one
    // row per label, or a data set that changed size since the loader was made, would be read out of bounds.
    const Dataset& d = *data_;
    if (d.features.dim() != 2 || d.features.size(0) != d.size()) {
        fail("DataLoader: features ", d.features.shape(), " for ", d.size(), " labels, expected [", d.size(), ", *]");
    }
    if (d.size() != static_cast<int64_t>(order_.size())) {
        fail("DataLoader: the data set has ", d.size(), " samples, it had ", order_.size(), " when the loader was made");
    }
}

int64_t DataLoader::batches_per_epoch() const {
    const int64_t n = data_->size();
    return options_.drop_last ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

void DataLoader::set_epoch(int64_t epoch) {
    if (epoch < 0) fail("DataLoader::set_epoch: ", epoch);
    epoch_ = epoch - 1;
    position_ = static_cast<int64_t>(order_.size());  // nothing left of the current epoch
}

void DataLoader::start_epoch() {
    ++epoch_;
    position_ = 0;
    std::iota(order_.begin(), order_.end(), int64_t{0});
    if (options_.shuffle) {
        std::mt19937_64 rng(options_.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch_));
        std::shuffle(order_.begin(), order_.end(), rng);
    }
}

bool DataLoader::next() {
    if (epoch_ < 0) start_epoch();
    check_data();
    const int64_t n = data_->size();
    const int64_t count = std::min(batch_size_, n - position_);
    if (count <= 0 || (options_.drop_last && count < batch_size_)) return false;
    const int64_t nf = data_->num_features();
    batch_features_.resize({count, nf});
    batch_labels_.resize(static_cast<size_t>(count));
    batch_label_column_.resize({count, 1});
    for (int64_t i = 0; i < count; ++i) {
        const int64_t r = order_[static_cast<size_t>(position_ + i)];
        std::memcpy(batch_features_.data() + i * nf, data_->features.data() + r * nf, static_cast<size_t>(nf) * sizeof(float));
        batch_labels_[static_cast<size_t>(i)] = data_->labels[static_cast<size_t>(r)];
        batch_label_column_.data()[i] = static_cast<float>(batch_labels_[static_cast<size_t>(i)]);
    }
    position_ += count;
    return true;
}

}  // namespace nnfs
