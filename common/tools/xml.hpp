// Text for SVG pages, written by the trace picture and the benchmark plot.
#pragma once

#include <string>
#include <string_view>

namespace common {

// Makes text safe inside an element or a quoted attribute. Control
// characters are not allowed in XML at all: they become '?'.
inline std::string escape_xml(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    default: {
      const bool control = static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
      out += control ? '?' : c;
    }
    }
  }
  return out;
}

} // namespace common
