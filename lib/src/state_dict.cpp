#include "nnfs/state_dict.hpp"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "atomic_file.hpp"
#include "crc32.hpp"

namespace nnfs {

static_assert(std::endian::native == std::endian::little, "the file format is written in the host's little-endian order");

namespace {

constexpr char kMagic[4] = {'N', 'N', 'F', 'S'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kByteOrderMark = 0x01020304u;
enum Kind : uint8_t { kTensor = 0, kInteger = 1, kString = 2 };

void append(std::vector<char>& out, const void* data, size_t n) {
    const size_t at = out.size();
    out.resize(at + n);
    if (n) std::memcpy(out.data() + at, data, n);
}
template <class T>
void put(std::vector<char>& out, const T& value) {
    append(out, &value, sizeof(T));
}
void put_name(std::vector<char>& out, const std::string& name, Kind kind) {
    put(out, static_cast<uint32_t>(name.size()));
    append(out, name.data(), name.size());
    put(out, kind);
}

// Reads from the checked body of a file, failing with the file and byte offset when it runs out.
class Reader {
public:
    Reader(const std::vector<char>& bytes, size_t end, const std::string& path, const char* operation)
        : bytes_(bytes), end_(end), path_(path), operation_(operation) {}
    template <class T>
    T get(const char* what) {
        T value;
        take(&value, sizeof(T), what);
        return value;
    }
    void take(void* dst, size_t n, const char* what) {
        if (n > remaining()) fail(operation_, ": '", path_, "' is truncated: ", what, " at byte ", pos_, " needs ", n, " bytes");
        if (n == 0) return;  // an empty tensor's data() is null, and memcpy(nullptr, ..., 0) is undefined
        std::memcpy(dst, bytes_.data() + pos_, n);
        pos_ += n;
    }
    size_t remaining() const { return end_ - pos_; }

private:
    const std::vector<char>& bytes_;
    size_t end_, pos_ = 0;
    const std::string& path_;
    const char* operation_;
};

}  // namespace

void write_state_file(const StateDict& state, const std::string& path, const char* operation) {
    std::vector<char> out;
    append(out, kMagic, 4);
    put(out, kVersion);
    put(out, kByteOrderMark);
    put(out, static_cast<uint64_t>(state.tensors.size() + state.integers.size() + state.strings.size()));
    for (const auto& [name, t] : state.tensors) {
        put_name(out, name, kTensor);
        put(out, static_cast<uint32_t>(t.dim()));
        for (int64_t s : t.shape()) put(out, s);
        append(out, t.data(), static_cast<size_t>(t.numel()) * sizeof(float));
    }
    for (const auto& [name, v] : state.integers) {
        put_name(out, name, kInteger);
        put(out, v);
    }
    for (const auto& [name, s] : state.strings) {
        put_name(out, name, kString);
        put(out, static_cast<uint64_t>(s.size()));
        append(out, s.data(), s.size());
    }
    put(out, detail::crc32(out.data(), out.size()));

    detail::write_file_atomically(path, out.data(), out.size(), operation);
}

StateDict read_state_file(const std::string& path, const char* operation) {
    // (C stdio: a read error, a directory say, is then a status to report, where libstdc++'s stream
    // iterators throw std::ios_base::failure.)
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) fail(operation, ": cannot open '", path, "': ", std::strerror(errno));
    std::vector<char> bytes;
    char chunk[1 << 16];
    size_t got = 0;
    while ((got = std::fread(chunk, 1, sizeof chunk, f)) > 0) bytes.insert(bytes.end(), chunk, chunk + got);
    const int read_error = std::ferror(f) ? errno : 0;
    std::fclose(f);
    if (read_error) fail(operation, ": cannot read '", path, "': ", std::strerror(read_error));
    if (bytes.size() < 4 + 4 + 4 + 8 + 4) fail(operation, ": '", path, "' is truncated (", bytes.size(), " bytes)");
    if (std::memcmp(bytes.data(), kMagic, 4) != 0) fail(operation, ": '", path, "' is not an nnfs model file");
    const size_t body = bytes.size() - sizeof(uint32_t);
    uint32_t stored_crc;
    std::memcpy(&stored_crc, bytes.data() + body, sizeof stored_crc);
    if (detail::crc32(bytes.data(), body) != stored_crc) {
        fail(operation, ": '", path, "' is corrupted or truncated (checksum mismatch)");
    }

    Reader r(bytes, body, path, operation);
    char magic[4];
    r.take(magic, 4, "magic");
    if (const auto version = r.get<uint32_t>("version"); version != kVersion) {
        fail(operation, ": '", path, "' has format version ", version, ", this library reads version ", kVersion);
    }
    if (r.get<uint32_t>("byte-order mark") != kByteOrderMark) fail(operation, ": '", path, "' has another byte order");
    const auto count = r.get<uint64_t>("entry count");

    StateDict state;
    for (uint64_t i = 0; i < count; ++i) {
        const auto name_length = r.get<uint32_t>("name length");
        if (name_length > r.remaining()) fail(operation, ": '", path, "' is truncated: entry ", i, " name runs past the end");
        std::string name(name_length, '\0');
        r.take(name.data(), name.size(), "name");
        const auto kind = r.get<uint8_t>("kind");
        bool fresh = false;
        if (kind == kTensor) {
            const auto rank = r.get<uint32_t>("rank");
            if (rank > static_cast<uint32_t>(Shape::kMaxDims)) fail(operation, ": '", path, "': tensor '", name, "' has rank ", rank);
            int64_t sizes[Shape::kMaxDims] = {};
            for (uint32_t d = 0; d < rank; ++d) {
                sizes[d] = r.get<int64_t>("size");
                if (sizes[d] < 0 || static_cast<uint64_t>(sizes[d]) > r.remaining()) {
                    fail(operation, ": '", path, "': tensor '", name, "' has size ", sizes[d], " in dimension ", d);
                }
            }
            const Shape shape(std::span<const int64_t>(sizes, rank));
            if (static_cast<uint64_t>(shape.numel()) > r.remaining() / sizeof(float)) {
                fail(operation, ": '", path, "' is truncated: tensor '", name, "' ", shape, " runs past the end");
            }
            Tensor t(shape);
            r.take(t.data(), static_cast<size_t>(t.numel()) * sizeof(float), "values");
            fresh = state.tensors.emplace(name, std::move(t)).second;
        } else if (kind == kInteger) {
            fresh = state.integers.emplace(name, r.get<int64_t>("integer")).second;
        } else if (kind == kString) {
            const auto length = r.get<uint64_t>("string length");
            if (length > r.remaining()) fail(operation, ": '", path, "' is truncated: string '", name, "' runs past the end");
            std::string s(length, '\0');
            r.take(s.data(), s.size(), "string");
            fresh = state.strings.emplace(name, std::move(s)).second;
        } else {
            fail(operation, ": '", path, "': entry '", name, "' has unknown kind ", int{kind});
        }
        if (!fresh) fail(operation, ": '", path, "': entry '", name, "' appears twice");
    }
    if (r.remaining() != 0) fail(operation, ": '", path, "' has ", r.remaining(), " unexpected bytes after its entries");
    return state;
}

void StateRefs::store(StateDict& out, const std::string& prefix) const {
    for (const auto& [name, t] : tensors) out.tensors[prefix + name] = *t;
    for (const auto& [name, v] : integers) out.integers[prefix + name] = *v;
}

namespace {
// Counts the entries of `map` whose name starts with `prefix`.
template <class Map>
size_t count_prefixed(const Map& map, const std::string& prefix) {
    size_t n = 0;
    for (auto it = map.lower_bound(prefix); it != map.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) ++n;
    return n;
}
// The first entry under `prefix` whose name is not in `known`.
template <class Map, class Refs>
std::string first_unknown(const Map& map, const std::string& prefix, const Refs& known) {
    for (auto it = map.lower_bound(prefix); it != map.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
        bool found = false;
        for (const auto& ref : known) found = found || prefix + ref.first == it->first;
        if (!found) return it->first;
    }
    return {};
}
}  // namespace

void StateRefs::check(const StateDict& in, const std::string& prefix, const std::string& owner, const std::string& path,
                      const char* operation) const {
    for (const auto& [name, t] : tensors) {
        const auto it = in.tensors.find(prefix + name);
        if (it == in.tensors.end()) fail(operation, ": '", path, "' has no tensor '", prefix + name, "' (", owner, ")");
        if (it->second.shape() != t->shape()) {
            fail(operation, ": '", path, "': tensor '", prefix + name, "' is ", it->second.shape(), " in the file, ", t->shape(), " in ", owner);
        }
    }
    for (const auto& [name, v] : integers) {
        if (!in.integers.count(prefix + name)) fail(operation, ": '", path, "' has no integer '", prefix + name, "' (", owner, ")");
    }
    if (count_prefixed(in.tensors, prefix) != tensors.size()) {
        fail(operation, ": '", path, "' has tensor '", first_unknown(in.tensors, prefix, tensors), "' that ", owner, " does not");
    }
    if (count_prefixed(in.integers, prefix) != integers.size()) {
        fail(operation, ": '", path, "' has integer '", first_unknown(in.integers, prefix, integers), "' that ", owner, " does not");
    }
}

void StateRefs::assign(const StateDict& in, const std::string& prefix) const {
    for (const auto& [name, t] : tensors) *t = in.tensors.at(prefix + name);
    for (const auto& [name, v] : integers) *v = in.integers.at(prefix + name);
}

}  // namespace nnfs
