// Confusion-matrix heat map (charts.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "charts.hpp"
#include "svg.hpp"

namespace nnfs_tools {

namespace {
// White to dark blue ("Blues"), t in [0, 1].
std::string shade(double t) {
    t = std::clamp(t, 0.0, 1.0);
    auto mix = [t](int a, int b) { return static_cast<int>(std::lround(a + (b - a) * t)); };
    char buf[16];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", mix(247, 8), mix(251, 48), mix(255, 107));
    return buf;
}
}  // namespace

void write_confusion_svg(const std::string& path, const nnfs::ConfusionMatrix& cm,
                         const std::vector<std::string>& class_names, const std::string& title) {
    const int n = cm.num_classes;
    std::vector<std::string> names = class_names;
    if (static_cast<int>(names.size()) != n) {
        names.clear();
        for (int i = 0; i < n; ++i) names.push_back(std::to_string(i));
    }
    size_t longest = 1;
    for (const std::string& s : names) longest = std::max(longest, s.size());

    const double cell = std::clamp(400.0 / std::max(n, 1), 26.0, 100.0);
    const double char_w = 7.5;  // about the advance of a 12 px sans-serif character
    // Column labels are rotated when they would not fit under their cell.
    const bool rotate_columns = static_cast<double>(longest) * char_w > cell - 4;
    const double row_label_w = static_cast<double>(longest) * char_w + 16;
    const double col_label_h = rotate_columns ? static_cast<double>(longest) * char_w * 0.71 + 14 : 22;
    const double left = 36 + row_label_w, top = 56;
    const double grid = cell * n;
    const double title_w = static_cast<double>(title.size()) * 9.0 + 40;  // 15 px bold characters
    const double width = std::max(left + grid + 30, title_w);
    const double height = top + grid + col_label_h + 34;
    Svg svg(width, height);

    svg.text(width / 2, 24, title, {.size = 15, .anchor = Svg::Anchor::Middle, .bold = true});
    svg.text(width / 2, 42, "cell: count; shade: share of the true class", {.size = 11, .anchor = Svg::Anchor::Middle, .fill = "#666"});

    const double count_size = std::min(14.0, cell * 0.38);
    for (int t = 0; t < n; ++t) {
        int64_t row_total = 0;
        for (int p = 0; p < n; ++p) row_total += cm.at(t, p);
        for (int p = 0; p < n; ++p) {
            const int64_t c = cm.at(t, p);
            const double share = row_total ? static_cast<double>(c) / static_cast<double>(row_total) : 0.0;
            const double x = left + cell * p, y = top + cell * t;
            svg.rect(x, y, cell, cell, shade(share), "#ffffff");
            svg.text(x + cell / 2, y + cell / 2 + count_size * 0.35, std::to_string(c),
                     {.size = count_size, .anchor = Svg::Anchor::Middle, .fill = share > 0.5 ? "#ffffff" : "#222222",
                      .bold = t == p});
        }
        svg.text(left - 8, top + cell * t + cell / 2 + 4, names[static_cast<size_t>(t)], {.size = 12, .anchor = Svg::Anchor::End});
    }
    for (int p = 0; p < n; ++p) {
        const double x = left + cell * p + cell / 2;
        if (rotate_columns)
            svg.text(x + 4, top + grid + 10, names[static_cast<size_t>(p)], {.size = 12, .anchor = Svg::Anchor::End, .rotate = -45});
        else
            svg.text(x, top + grid + 16, names[static_cast<size_t>(p)], {.size = 12, .anchor = Svg::Anchor::Middle});
    }
    svg.rect(left, top, grid, grid, "none", "#888");
    svg.text(left + grid / 2, top + grid + col_label_h + 22, "predicted class", {.size = 13, .anchor = Svg::Anchor::Middle, .bold = true});
    svg.text(16, top + grid / 2, "true class", {.size = 13, .anchor = Svg::Anchor::Middle, .bold = true, .rotate = -90});
    svg.write(path);
}

std::string confusion_text(const nnfs::ConfusionMatrix& cm, const std::vector<std::string>& class_names) {
    if (cm.num_classes <= kConfusionMaxClasses) return cm.str(class_names);
    return "(left out: " + std::to_string(cm.num_classes) + " classes, more than " + std::to_string(kConfusionMaxClasses) + ")\n";
}

}  // namespace nnfs_tools
