// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib's crc32().
#pragma once

#include <cstddef>
#include <cstdint>

namespace nnfs::detail {

uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

}  // namespace nnfs::detail
