#include "daemon/config/roff_text.hpp"

namespace tern::daemon {

std::string roff_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string roff_paragraph(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(". ", start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    out += roff_text(text.substr(start, end - start)) + "\n";
    start = end < text.size() ? end + 1 : end;
  }
  return out;
}

}  // namespace tern::daemon
