// save/load: round trip, all-or-nothing loading, and saves that never destroy the previous file.
#include <doctest/doctest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nnfs/nnfs.hpp"

namespace fs = std::filesystem;

namespace {

std::unique_ptr<nnfs::Sequential> make_model(int64_t hidden, uint64_t seed) {
    nnfs::manual_seed(seed);
    auto net = std::make_unique<nnfs::Sequential>();
    net->emplace<nnfs::Linear>(5, hidden);
    net->emplace<nnfs::BatchNorm1d>(hidden);
    net->emplace<nnfs::ReLU>();
    net->emplace<nnfs::Linear>(hidden, 3);
    // One training forward gives the running statistics values other than their defaults.
    nnfs::Tensor x({8, 5});
    nnfs::kernels::uniform_fill(x.data(), x.numel(), -1.0f, 1.0f, seed, 0);
    net->forward(x);
    return net;
}

// Every saved value of a module, in order.
std::vector<float> snapshot(nnfs::Module& m) {
    std::vector<float> v;
    for (auto* p : m.parameters()) v.insert(v.end(), p->value.span().begin(), p->value.span().end());
    for (auto* b : m.buffers()) v.insert(v.end(), b->value.span().begin(), b->value.span().end());
    return v;
}

std::vector<char> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<char>& bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Names in `dir` that look like save's temporaries.
std::vector<std::string> temporaries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().filename().string().find(".tmp.") != std::string::npos) names.push_back(entry.path().string());
    return names;
}

struct TempDir {
    fs::path dir = fs::temp_directory_path() / ("nnfs_serialize_" + std::to_string(::getpid()));
    TempDir() { fs::create_directories(dir); }
    ~TempDir() { fs::remove_all(dir); }
    std::string file(const std::string& name) const { return (dir / name).string(); }
};

}  // namespace

TEST_CASE("round trip restores parameters and running statistics bitwise") {
    TempDir tmp;
    auto a = make_model(7, 1);
    auto b = make_model(7, 2);
    REQUIRE(snapshot(*a) != snapshot(*b));
    nnfs::save(*a, tmp.file("m.nnfs"));
    nnfs::load(*b, tmp.file("m.nnfs"));
    CHECK(snapshot(*a) == snapshot(*b));

    nnfs::Tensor x = nnfs::Tensor::full({4, 5}, 0.25f);
    a->eval();
    b->eval();
    const nnfs::Tensor ya = a->forward(x);
    const nnfs::Tensor& yb = b->forward(x);
    CHECK(std::equal(ya.span().begin(), ya.span().end(), yb.span().begin()));
}

TEST_CASE("a missing, truncated or corrupted file throws and leaves the module untouched") {
    TempDir tmp;
    auto source = make_model(6, 3);
    const std::string good = tmp.file("good.nnfs");
    nnfs::save(*source, good);
    const std::vector<char> bytes = read_bytes(good);
    auto target = make_model(6, 4);
    const std::vector<float> before = snapshot(*target);

    CHECK_THROWS_WITH_AS(nnfs::load(*target, tmp.file("absent.nnfs")), doctest::Contains("cannot open"), nnfs::Error);
    CHECK(snapshot(*target) == before);

    const std::string bad = tmp.file("bad.nnfs");
    for (size_t keep : {size_t{0}, size_t{3}, size_t{20}, bytes.size() / 2, bytes.size() - 5, bytes.size() - 1}) {
        CAPTURE(keep);
        write_bytes(bad, std::vector<char>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(keep)));
        CHECK_THROWS_AS(nnfs::load(*target, bad), nnfs::Error);
        CHECK(snapshot(*target) == before);
    }
    // A flipped bit anywhere: magic, header, a name, a size, the values, the checksum.
    for (size_t at = 0; at < bytes.size(); at += 7) {
        CAPTURE(at);
        std::vector<char> flipped = bytes;
        flipped[at] = static_cast<char>(flipped[at] ^ (1 << (at % 8)));
        write_bytes(bad, flipped);
        CHECK_THROWS_AS(nnfs::load(*target, bad), nnfs::Error);
        CHECK(snapshot(*target) == before);
    }
    write_bytes(bad, std::vector<char>{'h', 'e', 'l', 'l', 'o', ',', 'w', 'o', 'r', 'l', 'd', '!', '!', '!', '!', '!', '!', '!', '!', '!', '!', '!', '!', '!'});
    CHECK_THROWS_WITH_AS(nnfs::load(*target, bad), doctest::Contains("not an nnfs model file"), nnfs::Error);
    CHECK(snapshot(*target) == before);
}

TEST_CASE("a file of another architecture throws naming the tensor and shapes") {
    TempDir tmp;
    auto wide = make_model(9, 5);
    nnfs::save(*wide, tmp.file("wide.nnfs"));
    auto narrow = make_model(6, 6);
    const std::vector<float> before = snapshot(*narrow);
    CHECK_THROWS_WITH_AS(nnfs::load(*narrow, tmp.file("wide.nnfs")), doctest::Contains("'0.weight' is [9, 5] in the file, [6, 5]"), nnfs::Error);
    CHECK(snapshot(*narrow) == before);

    nnfs::Sequential shorter;  // fewer tensors than the file
    shorter.emplace<nnfs::Linear>(5, 9);
    CHECK_THROWS_WITH_AS(nnfs::load(shorter, tmp.file("wide.nnfs")), doctest::Contains("does not"), nnfs::Error);

    nnfs::Sequential longer;  // more tensors than the file
    nnfs::save(shorter, tmp.file("short.nnfs"));
    longer.emplace<nnfs::Linear>(5, 9);
    longer.emplace<nnfs::Linear>(9, 2);
    CHECK_THROWS_WITH_AS(nnfs::load(longer, tmp.file("short.nnfs")), doctest::Contains("no tensor '1.weight'"), nnfs::Error);
}

TEST_CASE("save replaces a file only when the new one is complete") {
    TempDir tmp;
    const std::string path = tmp.file("model.nnfs");
    auto first = make_model(4, 7);
    nnfs::save(*first, path);
    const std::vector<char> first_bytes = read_bytes(path);

    // The new file cannot be written whole (the process may write files of 64 bytes at most, less than
    // a model): save fails, the old file stays, no temporary is left behind.
    auto second = make_model(4, 8);
    {
        rlimit old_limit{};
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
        const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG instead
        rlimit small = old_limit;
        small.rlim_cur = 64;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
        CHECK_THROWS_WITH_AS(nnfs::save(*second, path), doctest::Contains(("save: cannot write '" + path + "': File too large").c_str()), nnfs::Error);
        ::setrlimit(RLIMIT_FSIZE, &old_limit);
        std::signal(SIGXFSZ, old_handler);
    }
    CHECK(read_bytes(path) == first_bytes);
    CHECK(temporaries(tmp.dir).empty());

    // A target that cannot be replaced (a directory): save fails and leaves no temporary behind.
    const std::string dir_target = tmp.file("a_directory");
    fs::create_directory(dir_target);
    CHECK_THROWS_WITH_AS(nnfs::save(*second, dir_target), doctest::Contains(("save: cannot write '" + dir_target + "': Is a directory").c_str()), nnfs::Error);
    CHECK(fs::is_directory(dir_target));
    CHECK(temporaries(tmp.dir).empty());

    // A successful save replaces the file whole.
    nnfs::save(*second, path);
    auto check = make_model(4, 9);
    nnfs::load(*check, path);
    CHECK(snapshot(*check) == snapshot(*second));
    // The system's reason, for the target itself (the temporary's name only after it).
    CHECK_THROWS_WITH_AS(nnfs::save(*second, tmp.file("no/such/dir/m.nnfs")),
                         doctest::Contains(("save: cannot create '" + tmp.file("no/such/dir/m.nnfs") + "': No such file or directory (creating").c_str()), nnfs::Error);
}

// Found by a differential campaign: the temporary was renamed over the path itself, so a save through a
// symbolic link replaced the link by a file (the target kept the old model), a save to a FIFO or a device
// replaced it by a regular file (/dev/full "saved" without error and was gone), and the replaced file lost
// its permission bits (0600 came back 0644).
TEST_CASE("save writes through symbolic links, refuses devices and FIFOs, and keeps the file's permissions") {
    TempDir tmp;
    auto a = make_model(4, 11);
    auto b = make_model(4, 12);
    REQUIRE(snapshot(*a) != snapshot(*b));

    const std::string real = tmp.file("real.nnfs"), link = tmp.file("link.nnfs");
    nnfs::save(*a, real);
    fs::create_symlink("real.nnfs", link);  // relative, as ln -s makes them
    nnfs::save(*b, link);
    CHECK(fs::is_symlink(link));
    auto check = make_model(4, 13);
    nnfs::load(*check, real);
    CHECK(snapshot(*check) == snapshot(*b));

    // A dangling link (through a second link) names the file to create.
    fs::create_symlink("new.nnfs", tmp.file("dangling.nnfs"));
    fs::create_symlink(tmp.file("dangling.nnfs"), tmp.file("chain.nnfs"));
    nnfs::save(*a, tmp.file("chain.nnfs"));
    CHECK(fs::is_symlink(tmp.file("chain.nnfs")));
    CHECK(fs::is_regular_file(fs::symlink_status(tmp.file("new.nnfs"))));
    nnfs::load(*check, tmp.file("new.nnfs"));
    CHECK(snapshot(*check) == snapshot(*a));

    // A FIFO (as a device: not a regular file; a device is not used here, since a regression would
    // destroy it) is an error, directly or through a link, and stays a FIFO.
    const std::string fifo = tmp.file("fifo.nnfs"), to_fifo = tmp.file("to_fifo.nnfs");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_THROWS_WITH_AS(nnfs::save(*a, fifo), doctest::Contains(("save: cannot write '" + fifo + "': not a regular file").c_str()), nnfs::Error);
    CHECK(fs::is_fifo(fifo));
    fs::create_symlink("fifo.nnfs", to_fifo);
    CHECK_THROWS_WITH_AS(nnfs::save(*a, to_fifo), doctest::Contains(("save: cannot write '" + to_fifo + "': not a regular file").c_str()), nnfs::Error);
    CHECK(fs::is_fifo(fifo));
    CHECK(fs::is_symlink(to_fifo));
    CHECK(temporaries(tmp.dir).empty());

    // The replaced file keeps its permissions; a new file gets the default ones.
    fs::permissions(real, fs::perms::owner_read | fs::perms::owner_write);
    nnfs::save(*a, real);
    CHECK((fs::status(real).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
    nnfs::load(*check, real);
    CHECK(snapshot(*check) == snapshot(*a));
}

// Found by an outside audit: the temporary was named after the process alone, so two threads saving to
// one path wrote the same temporary (saves failed, a reader found the file empty or torn), and a long
// target name made the temporary's name longer than the file system allows.
TEST_CASE("concurrent saves to one path each replace it whole; a long file name saves") {
    TempDir tmp;
    const std::string path = tmp.file("shared.nnfs");
    auto a = make_model(6, 11), b = make_model(6, 12);
    const std::vector<float> va = snapshot(*a), vb = snapshot(*b);
    std::atomic<int> failures{0}, torn{0};
    std::atomic<bool> done{false};
    nnfs::save(*a, path);
    std::thread reader([&] {
        auto probe = make_model(6, 13);
        while (!done) {
            try {
                nnfs::load(*probe, path);
                const std::vector<float> v = snapshot(*probe);
                if (v != va && v != vb) ++torn;
            } catch (const nnfs::Error&) {
                ++torn;  // every moment the path holds one whole file
            }
        }
    });
    auto writer = [&](nnfs::Module& m) {
        for (int i = 0; i < 40; ++i) {
            try {
                nnfs::save(m, path);
            } catch (const nnfs::Error&) {
                ++failures;
            }
        }
    };
    std::thread wa(writer, std::ref(*a)), wb(writer, std::ref(*b));
    wa.join();
    wb.join();
    done = true;
    reader.join();
    CHECK(failures == 0);
    CHECK(torn == 0);
    CHECK(temporaries(tmp.dir).empty());

    const std::string long_name = tmp.file(std::string(250, 'm'));  // 250 bytes: a valid name
    nnfs::save(*a, long_name);
    auto back = make_model(6, 14);
    nnfs::load(*back, long_name);
    CHECK(snapshot(*back) == va);
    CHECK(temporaries(tmp.dir).empty());
}

TEST_CASE("loading a directory or an unreadable file is an nnfs::Error") {
    // Found by an outside audit: libstdc++'s stream iterators threw std::ios_base::failure ("Is a directory").
    TempDir tmp;
    auto net = make_model(4, 3);
    const std::vector<float> before = snapshot(*net);
    CHECK_THROWS_WITH_AS(nnfs::load(*net, tmp.dir.string()), doctest::Contains("load: cannot read"), nnfs::Error);
    CHECK_THROWS_WITH_AS(nnfs::read_state_file(tmp.dir.string()), doctest::Contains("Is a directory"), nnfs::Error);
    CHECK(snapshot(*net) == before);
}

TEST_CASE("a state file with empty and scalar tensors reads back as written") {
    // Found by fuzz_load: reading a tensor with no elements passed its null data() to memcpy (undefined
    // behaviour even for 0 bytes; the asan preset's UBSan stops on it).
    TempDir tmp;
    nnfs::StateDict state;
    state.tensors["empty"] = nnfs::Tensor({0, 3});
    state.tensors["none"] = nnfs::Tensor({2, 0, 4});
    state.tensors["scalar"] = nnfs::Tensor::from({}, std::vector<float>{1.5f});
    state.strings["blank"] = "";
    nnfs::write_state_file(state, tmp.file("kinds.nnfs"));
    const nnfs::StateDict back = nnfs::read_state_file(tmp.file("kinds.nnfs"));
    REQUIRE(back.tensors.size() == 3);
    CHECK(back.tensors.at("empty").shape() == nnfs::Shape{0, 3});
    CHECK(back.tensors.at("none").shape() == nnfs::Shape{2, 0, 4});
    CHECK(back.tensors.at("scalar").dim() == 0);
    CHECK(back.tensors.at("scalar").data()[0] == 1.5f);
    CHECK(back.strings.at("blank").empty());
}

namespace {
// CRC-32 (zlib's), bit by bit: to forge files whose checksum is right and whose structure is not.
uint32_t crc32(const std::vector<char>& bytes) {
    uint32_t crc = 0xFFFFFFFFu;
    for (char c : bytes) {
        crc ^= static_cast<uint8_t>(c);
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}
template <class T>
void put(std::vector<char>& out, T value) {
    const char* p = reinterpret_cast<const char*>(&value);
    out.insert(out.end(), p, p + sizeof value);
}
}  // namespace

TEST_CASE("a tensor whose sizes multiply past int64_t is an error, not a small tensor") {
    // Four sizes of 2^16 are each smaller than the file, and their product 2^64 wrapped to 0 elements:
    // the file then read as a [65536, 65536, 65536, 65536] tensor with no storage.
    std::vector<char> bytes = {'N', 'N', 'F', 'S'};
    put<uint32_t>(bytes, 1);
    put<uint32_t>(bytes, 0x01020304u);
    put<uint64_t>(bytes, 1);
    put<uint32_t>(bytes, 1);
    bytes.push_back('t');
    bytes.push_back(0);  // kind: tensor
    put<uint32_t>(bytes, 4);
    for (int d = 0; d < 4; ++d) put<int64_t>(bytes, int64_t{1} << 16);
    bytes.resize(bytes.size() + (size_t{1} << 16));  // enough bytes for each size alone to pass
    put<uint32_t>(bytes, crc32(bytes));
    TempDir tmp;
    write_bytes(tmp.file("wrap.nnfs"), bytes);
    CHECK_THROWS_WITH_AS(nnfs::read_state_file(tmp.file("wrap.nnfs")), doctest::Contains("too many elements (more than int64_t can count)"), nnfs::Error);
}
