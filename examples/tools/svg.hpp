// Svg: a minimal hand-written SVG 1.1 document builder (no dependencies). Text is XML-escaped, numbers
// are written with a fixed precision, so the output is always well-formed XML.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace nnfs_tools {

// "&", "<", ">", quotes escaped for text and attribute values.
std::string xml_escape(const std::string& s);

class Svg {
public:
    Svg(double width, double height);

    enum class Anchor { Start, Middle, End };
    struct TextStyle {
        double size = 12;
        Anchor anchor = Anchor::Start;
        std::string fill = "#222";
        bool bold = false;
        double rotate = 0;  // degrees, about the text's position
    };

    void rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke = "none");
    void line(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1,
              const std::string& dash = "");
    void polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke, double width = 2,
                  const std::string& dash = "");
    void circle(double cx, double cy, double r, const std::string& fill);
    void text(double x, double y, const std::string& content, const TextStyle& style);
    void text(double x, double y, const std::string& content) { text(x, y, content, TextStyle{}); }

    std::string str() const;
    // nnfs::Error if the file cannot be written.
    void write(const std::string& path) const;

private:
    double width_, height_;
    std::string body_;
};

}  // namespace nnfs_tools
