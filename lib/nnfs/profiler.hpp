// Profiler: per-layer forward and backward wall time of a Sequential.
//
//   nnfs::Profiler profiler;
//   net.set_profiler(&profiler);       // nullptr turns it off; off, it costs one branch per call
//   ... train ...
//   std::cout << profiler.table();     // layer, phase, output shape, calls, ms, GFLOP/s, share of time
//   profiler.write_chrome_trace("trace.json");   // opens in Perfetto (ui.perfetto.dev) or chrome://tracing
//
// A Profiler is written by the model it is attached to: like the model, one thread at a time (give
// each concurrently running model its own Profiler). Rows are kept per module, so models taking turns
// on one Profiler get rows of their own. A nested Sequential is one row (its whole time); attach a
// Profiler to it too for its layers.
// GFLOP/s is shown where a layer knows its FLOP count (Linear: 2 batch in out forward, twice that backward,
// or once for a first layer without input gradient).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "nnfs/shape.hpp"

namespace nnfs {
class Module;
}

namespace nnfs {

class Profiler {
public:
    enum class Phase { Forward, Backward };

    // Events kept for the trace (the table's totals keep counting past it): 24 bytes each, reserved here.
    explicit Profiler(size_t max_trace_events = 200000);

    // Called by Sequential around each layer call (allocates only the first time a layer is seen).
    void record(size_t layer, const Module& module, Phase phase, const Shape& output_shape, double flops,
                std::chrono::steady_clock::time_point start, std::chrono::steady_clock::time_point end);

    // A printable table, one row per layer and phase, in layer order.
    std::string table() const;
    // Chrome trace event format ("X" complete events, microseconds), nnfs::Error if the file cannot be written.
    void write_chrome_trace(const std::string& path) const;
    void reset();

    struct Row {
        size_t layer;
        const Module* module;  // (identity only: two models on one Profiler have their own rows)
        std::string name;
        Phase phase;
        Shape output_shape;
        int64_t calls = 0;
        double seconds = 0;
        double flops = 0;  // total; 0 when unknown
    };
    const std::vector<Row>& rows() const { return rows_; }
    // Calls past max_trace_events: counted in the table, not kept for the trace (which, and the table, say so).
    int64_t dropped_events() const { return dropped_events_; }

private:
    struct Event {
        uint32_t row;
        int64_t start_ns, duration_ns;
    };
    std::vector<Row> rows_;
    std::vector<Event> events_;
    size_t max_events_;
    int64_t dropped_events_ = 0;
    std::chrono::steady_clock::time_point origin_;
};

}  // namespace nnfs
