// Standardizer: per-feature z-scores, x' = (x - mean) / std, fitted on training data only and then
// applied to any data (as scikit-learn's StandardScaler: population std; a constant feature gets std 1).
#pragma once

#include "nnfs/tensor.hpp"

namespace nnfs {

class Standardizer {
public:
    // Learns mean and std of each column of x (samples, features).
    void fit(const Tensor& x);
    // Standardizes x in place; nnfs::Error if its width differs from the fitted one.
    void transform(Tensor& x) const;
    bool fitted() const { return mean_.numel() > 0; }
    const Tensor& mean() const { return mean_; }
    const Tensor& scale() const { return scale_; }

private:
    Tensor mean_, scale_;
};

}  // namespace nnfs
