#include "data_location.hpp"

#include <filesystem>
#include <system_error>

#include <nnfs/error.hpp>

namespace nnfs_tools {

namespace fs = std::filesystem;

namespace {
const std::vector<std::string> kBundled = {"iris", "digits", "breast_cancer"};

bool is_bundled(const std::string& name) {
    for (const std::string& b : kBundled)
        if (b == name) return true;
    return false;
}

// The directory of the running program (Linux: /proc/self/exe), empty if unknown.
fs::path program_dir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path{} : exe.parent_path();
}
}  // namespace

std::string resolve_data(const std::string& name_or_path) {
    std::error_code ec;
    if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
    if (!is_bundled(name_or_path)) {
        if (fs::exists(name_or_path, ec)) nnfs::fail("'", name_or_path, "' is not a regular file");
        nnfs::fail("no data file '", name_or_path, "' (bundled data sets: iris, digits, breast_cancer)");
    }
    std::vector<fs::path> places;
    if (const fs::path dir = program_dir(); !dir.empty()) places.push_back(dir / ".." / "share" / "nnfs" / "data");
#ifdef NNFS_DATA_DIR
    places.emplace_back(NNFS_DATA_DIR);
#endif
    std::string searched;
    for (const fs::path& place : places) {
        const fs::path candidate = place / (name_or_path + ".csv");
        if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal().string();
        searched += (searched.empty() ? "" : ", ") + place.lexically_normal().string();
    }
    nnfs::fail("bundled data set '", name_or_path, "' not found (searched ", searched, ")");
}

std::vector<std::string> bundled_class_names(const std::string& name) {
    if (name == "iris") return {"setosa", "versicolor", "virginica"};
    if (name == "breast_cancer") return {"malignant", "benign"};  // scikit-learn's label order
    return {};
}

}  // namespace nnfs_tools
