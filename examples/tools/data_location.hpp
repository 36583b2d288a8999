// Where nnfs-train finds its data: "--data iris" names a bundled data set, anything else is a path.
#pragma once

#include <string>
#include <vector>

namespace nnfs_tools {

// An existing file is used as given. Otherwise a bundled name (iris, digits, breast_cancer: NAME.csv) is
// looked up in the installed share/nnfs/data beside the program (<prefix>/bin/../share/nnfs/data), then in
// the source tree's data/ (NNFS_DATA_DIR, for programs run from the build tree). nnfs::Error listing the
// places searched if nothing is found.
std::string resolve_data(const std::string& name_or_path);

// Class names of the bundled data sets, by label index (empty for other data, and for digits, whose
// indices are their names).
std::vector<std::string> bundled_class_names(const std::string& name);

}  // namespace nnfs_tools
