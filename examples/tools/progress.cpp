#include "progress.hpp"

#include <algorithm>
#include <string>

namespace nnfs_tools {

Progress::Progress(std::FILE* out, int epochs, bool interactive)
    : out_(out), epochs_(epochs), interactive_(interactive), every_(std::max(1, epochs / 10)) {}

void Progress::update(const EpochRecord& r, double elapsed_seconds) {
    char metrics[160];
    std::snprintf(metrics, sizeof metrics, "loss %.4f  acc %.3f  val_loss %.4f  val_acc %.3f  %.1fs", r.train_loss,
                  r.train_acc, r.val_loss, r.val_acc, elapsed_seconds);
    const int width = static_cast<int>(std::to_string(epochs_).size());
    if (interactive_) {
        constexpr int kBar = 24;
        const int filled = static_cast<int>(static_cast<long long>(kBar) * r.epoch / std::max(1, epochs_));
        const std::string bar = std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(kBar - filled), '.');
        // "\r" returns to the line start; "\033[K" clears what a longer previous line left behind.
        std::fprintf(out_, "\r[%s] epoch %*d/%d  %s\033[K", bar.c_str(), width, r.epoch, epochs_, metrics);
    } else if (r.epoch == 1 || r.epoch == epochs_ || r.epoch % every_ == 0) {
        std::fprintf(out_, "epoch %*d/%d  %s\n", width, r.epoch, epochs_, metrics);
    }
    std::fflush(out_);
}

void Progress::finish() {
    if (interactive_) std::fputc('\n', out_);
    std::fflush(out_);
}

}  // namespace nnfs_tools
