#include "nnfs/serialize.hpp"

#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <unistd.h>
#include <vector>

#include "crc32.hpp"

namespace nnfs {

static_assert(std::endian::native == std::endian::little, "the file format is written in the host's little-endian order");

namespace {

constexpr char kMagic[4] = {'N', 'N', 'F', 'S'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kByteOrderMark = 0x01020304u;

// The module's saved state by name, in order: parameters, then buffers.
struct NamedTensor {
    const std::string* name;
    Tensor* tensor;
};
std::vector<NamedTensor> state_of(Module& module) {
    std::vector<NamedTensor> state;
    for (Parameter* p : module.parameters()) state.push_back({&p->name, &p->value});
    for (Buffer* b : module.buffers()) state.push_back({&b->name, &b->value});
    return state;
}

void append(std::vector<char>& out, const void* data, size_t n) {
    const size_t at = out.size();
    out.resize(at + n);
    if (n) std::memcpy(out.data() + at, data, n);
}
template <class T>
void put(std::vector<char>& out, const T& value) {
    append(out, &value, sizeof(T));
}

// Reads from a byte range, failing with the file and byte offset when it runs out.
class Reader {
public:
    Reader(const std::vector<char>& bytes, size_t end, const std::string& path) : bytes_(bytes), end_(end), path_(path) {}
    template <class T>
    T get(const char* what) {
        T value;
        take(&value, sizeof(T), what);
        return value;
    }
    void take(void* dst, size_t n, const char* what) {
        if (n > end_ - pos_) fail("load: '", path_, "' is truncated: ", what, " at byte ", pos_, " needs ", n, " bytes");
        std::memcpy(dst, bytes_.data() + pos_, n);
        pos_ += n;
    }
    size_t position() const { return pos_; }

private:
    const std::vector<char>& bytes_;
    size_t end_, pos_ = 0;
    const std::string& path_;
};

}  // namespace

void save(const Module& module, const std::string& path) {
    // parameters() and buffers() are non-const accessors but do not modify the module.
    const std::vector<NamedTensor> state = state_of(const_cast<Module&>(module));
    std::vector<char> out;
    append(out, kMagic, 4);
    put(out, kVersion);
    put(out, kByteOrderMark);
    put(out, static_cast<uint64_t>(state.size()));
    for (const NamedTensor& t : state) {
        put(out, static_cast<uint32_t>(t.name->size()));
        append(out, t.name->data(), t.name->size());
        put(out, static_cast<uint32_t>(t.tensor->dim()));
        for (int64_t s : t.tensor->shape()) put(out, s);
        append(out, t.tensor->data(), static_cast<size_t>(t.tensor->numel()) * sizeof(float));
    }
    put(out, detail::crc32(out.data(), out.size()));

    // Write beside the target, flush to disk, then rename over it: the old file survives any failure.
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) fail("save: cannot create '", tmp, "' (beside '", path, "')");
    const bool written = std::fwrite(out.data(), 1, out.size(), f) == out.size() && std::fflush(f) == 0 &&
                         ::fsync(::fileno(f)) == 0;
    const bool closed = std::fclose(f) == 0;
    if (!written || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        fail("save: cannot write '", path, "'");
    }
}

void load(Module& module, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("load: cannot open '", path, "'");
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 4 + 4 + 4 + 8 + 4) fail("load: '", path, "' is truncated (", bytes.size(), " bytes)");
    if (std::memcmp(bytes.data(), kMagic, 4) != 0) fail("load: '", path, "' is not an nnfs model file");
    const size_t body = bytes.size() - sizeof(uint32_t);
    uint32_t stored_crc;
    std::memcpy(&stored_crc, bytes.data() + body, sizeof stored_crc);
    if (detail::crc32(bytes.data(), body) != stored_crc) {
        fail("load: '", path, "' is corrupted or truncated (checksum mismatch)");
    }

    Reader r(bytes, body, path);
    char magic[4];
    r.take(magic, 4, "magic");
    if (const auto version = r.get<uint32_t>("version"); version != kVersion) {
        fail("load: '", path, "' has format version ", version, ", this library reads version ", kVersion);
    }
    if (r.get<uint32_t>("byte-order mark") != kByteOrderMark) fail("load: '", path, "' has another byte order");
    const auto count = r.get<uint64_t>("tensor count");

    // Parse everything first.
    std::map<std::string, Tensor> file_state;
    for (uint64_t i = 0; i < count; ++i) {
        std::string name(r.get<uint32_t>("name length"), '\0');
        r.take(name.data(), name.size(), "name");
        const auto rank = r.get<uint32_t>("rank");
        if (rank > static_cast<uint32_t>(Shape::kMaxDims)) fail("load: '", path, "': tensor '", name, "' has rank ", rank);
        int64_t sizes[Shape::kMaxDims] = {};
        for (uint32_t d = 0; d < rank; ++d) sizes[d] = r.get<int64_t>("size");
        const Shape shape(std::span<const int64_t>(sizes, rank));
        if (static_cast<uint64_t>(shape.numel()) > (body - r.position()) / sizeof(float)) {
            fail("load: '", path, "' is truncated: tensor '", name, "' ", shape, " runs past the end");
        }
        Tensor t(shape);
        r.take(t.data(), static_cast<size_t>(t.numel()) * sizeof(float), "values");
        if (!file_state.emplace(name, std::move(t)).second) fail("load: '", path, "': tensor '", name, "' appears twice");
    }
    if (r.position() != body) fail("load: '", path, "' has ", body - r.position(), " unexpected bytes after its tensors");

    // Check that the file and the module hold the same names and shapes.
    const std::vector<NamedTensor> state = state_of(module);
    for (const NamedTensor& t : state) {
        const auto it = file_state.find(*t.name);
        if (it == file_state.end()) fail("load: '", path, "' has no tensor '", *t.name, "' (", module.name(), ")");
        if (it->second.shape() != t.tensor->shape()) {
            fail("load: '", path, "': tensor '", *t.name, "' is ", it->second.shape(), " in the file, ",
                 t.tensor->shape(), " in ", module.name());
        }
    }
    if (file_state.size() != state.size()) {
        for (const auto& [name, t] : file_state) {
            bool known = false;
            for (const NamedTensor& s : state) known = known || *s.name == name;
            if (!known) fail("load: '", path, "' has tensor '", name, "' that ", module.name(), " does not");
        }
    }

    // Only now change the module.
    for (const NamedTensor& t : state) *t.tensor = file_state.at(*t.name);
}

}  // namespace nnfs
