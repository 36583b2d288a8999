// Seeded synthetic classification data sets, in the manner of scikit-learn's generators. The same
// arguments and seed give the same data on every machine (Philox streams, see kernels).
#pragma once

#include <cstdint>

#include "nnfs/dataset.hpp"

namespace nnfs {

// Two interleaving half circles in 2-D (class 0 the upper, class 1 the lower), Gaussian noise of std `noise`.
Dataset make_moons(int64_t samples, float noise, uint64_t seed);

// `centers` isotropic Gaussian clusters of std `cluster_std` in `features` dimensions, centres uniform in
// [-10, 10]^features; the class is the cluster.
Dataset make_blobs(int64_t samples, int32_t centers, int64_t features, float cluster_std, uint64_t seed);

// `classes` Gaussian clusters placed on vertices of a hypercube of side 2 in `informative` dimensions,
// each stretched by a random linear map; the remaining features - informative are standard-normal noise.
Dataset make_classification(int64_t samples, int64_t features, int64_t informative, int32_t classes, uint64_t seed);

}  // namespace nnfs
