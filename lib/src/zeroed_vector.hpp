// A vector of n zero values, or an nnfs::Error naming the operation when they cannot be allocated
// (std::bad_alloc and std::length_error would otherwise leave the library as another exception type).
#pragma once

#include <cstdint>
#include <new>
#include <stdexcept>
#include <vector>

#include "nnfs/error.hpp"

namespace nnfs::detail {

template <class T>
std::vector<T> zeroed_vector(const char* what, int64_t n) {
    try {
        return std::vector<T>(static_cast<size_t>(n));
    } catch (const std::bad_alloc&) {
    } catch (const std::length_error&) {
    }
    fail(what, ": cannot allocate ", n, " values");
}

}  // namespace nnfs::detail
