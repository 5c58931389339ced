// One HTTP/1.x request head as the status page (http-listen) reads it: method, path, the
// query's NAME=VALUE pairs (percent-decoded) and Last-Event-ID. Untrusted input from the
// network: every malformed head gives nullopt (a 400), never an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::daemon {

struct HttpRequest {
  std::string method;                                       ///< "GET", as sent
  std::string path;                                         ///< "/events", without the query
  std::vector<std::pair<std::string, std::string>> query;   ///< decoded, in order
  std::optional<std::uint64_t> last_event_id;               ///< the header's number, when one

  /// The first value of query parameter `name`; nullopt when absent.
  std::optional<std::string> param(std::string_view name) const;
};

/// Parses a head ending in "\r\n\r\n" (or without it). nullopt: not a request line
/// "METHOD SP /TARGET SP HTTP/1.x", a header line without ':', a bad %-escape, more than
/// status_limits::max_query_params pairs, or a Last-Event-ID that is not a decimal number.
std::optional<HttpRequest> parse_http_request(std::string_view head);

/// "%2A" and '+' decoded; nullopt for a truncated or non-hex escape or a decoded NUL.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace tern::daemon
