#include "history.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <nnfs/error.hpp>

namespace nnfs_tools {

void write_history_csv(const std::string& path, const std::vector<EpochRecord>& history) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) nnfs::fail("cannot create '", path, "': ", std::strerror(errno));
    out << "epoch,train_loss,train_acc,val_loss,val_acc\n";
    char line[160];
    for (const EpochRecord& r : history) {
        std::snprintf(line, sizeof line, "%d,%.6g,%.6g,%.6g,%.6g\n", r.epoch, r.train_loss, r.train_acc, r.val_loss, r.val_acc);
        out << line;
    }
    out.flush();
    if (!out) nnfs::fail("cannot write '", path, "': ", std::strerror(errno));
}

}  // namespace nnfs_tools
