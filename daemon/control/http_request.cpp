#include "daemon/control/http_request.hpp"

#include "daemon/control/status_limits.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tern::daemon {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// The query's pairs; false for a bad escape or too many pairs.
bool parse_query(std::string_view text, HttpRequest& request) {
  while (!text.empty()) {
    const std::size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    if (request.query.size() == status_limits::max_query_params) return false;
    const std::size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return false;
    request.query.emplace_back(std::move(*name), std::move(*value));
  }
  return true;
}

/// The request line; false when it is not "METHOD SP /TARGET SP HTTP/1.x".
bool parse_request_line(std::string_view line, HttpRequest& request) {
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return false;
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  const std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                         version = line.substr(sp2 + 1);
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1." || !std::isdigit(static_cast<unsigned char>(version[7])))
    return false;
  if (!std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) return false;
  if (target.empty() || target.front() != '/') return false;
  if (std::any_of(target.begin(), target.end(), [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; }))
    return false;
  request.method = method;
  const std::size_t q = target.find('?');
  auto path = percent_decode(target.substr(0, q));
  if (!path) return false;
  request.path = std::move(*path);
  return q == std::string_view::npos || parse_query(target.substr(q + 1), request);
}

}  // namespace

std::optional<std::string> HttpRequest::param(std::string_view name) const {
  for (const auto& [n, v] : query)
    if (n == name) return v;
  return std::nullopt;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      if (c == 0) return std::nullopt;
      i += 2;
    }
    out += c;
  }
  return out;
}

std::optional<HttpRequest> parse_http_request(std::string_view head) {
  if (head.size() > status_limits::max_request) return std::nullopt;
  if (head.ends_with("\r\n\r\n")) head.remove_suffix(2);  // keep the last header's own CRLF
  HttpRequest request;
  std::size_t end = head.find("\r\n");
  if (!parse_request_line(head.substr(0, end), request)) return std::nullopt;
  while (end != std::string_view::npos) {
    head.remove_prefix(end + 2);
    end = head.find("\r\n");
    const std::string_view line = head.substr(0, end);
    if (line.empty()) {
      if (end == std::string_view::npos) break;
      return std::nullopt;  // an empty line inside the head
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    if (!equal_ignoring_case(line.substr(0, colon), "Last-Event-ID")) continue;
    const std::string_view value = trim(line.substr(colon + 1));
    std::uint64_t id = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
    if (ec != std::errc() || ptr != value.data() + value.size() || value.empty()) return std::nullopt;
    request.last_event_id = id;
  }
  return request;
}

}  // namespace tern::daemon
