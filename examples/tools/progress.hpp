// Training progress: on a terminal a single line redrawn after every epoch (a bar, the epoch and the
// latest metrics); otherwise (a pipe, a log file) a plain line every few epochs, so logs stay short.
#pragma once

#include <cstdio>

#include "history.hpp"

namespace nnfs_tools {

class Progress {
public:
    // `out` is written to; `interactive` picks the redrawn bar (pass isatty of its descriptor).
    Progress(std::FILE* out, int epochs, bool interactive);
    void update(const EpochRecord& r, double elapsed_seconds);
    // Ends the bar's line.
    void finish();

private:
    std::FILE* out_;
    int epochs_;
    bool interactive_;
    int every_;  // plain mode: print every `every_` epochs (and the first and last)
};

}  // namespace nnfs_tools
