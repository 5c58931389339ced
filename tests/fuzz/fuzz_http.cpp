// Fuzz target: bytes from a browser (or anyone) on the status page's port (http-listen): the
// request-head parser of daemon/control/http_request.cpp. It must never crash or read out of
// bounds, a parsed request must be what the head says (a path starting with '/', no more
// query pairs than the bound), and a Last-Event-ID must be a number it actually read.
#include "daemon/control/http_request.hpp"
#include "daemon/control/status_limits.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace tern::daemon;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view head(reinterpret_cast<const char*>(data), size);
  const auto request = parse_http_request(head);
  if (request) {
    FUZZ_CHECK(size <= status_limits::max_request);
    FUZZ_CHECK(!request->path.empty() && request->path.front() == '/');
    FUZZ_CHECK(request->path.find('\0') == std::string::npos);
    FUZZ_CHECK(request->query.size() <= status_limits::max_query_params);
    FUZZ_CHECK(!request->method.empty() && head.starts_with(request->method));
    FUZZ_CHECK(!request->last_event_id || head.find(':') != std::string_view::npos);
  }
  if (const auto decoded = percent_decode(head)) {
    FUZZ_CHECK(decoded->size() <= size);
    // %00 is refused; a raw NUL passes (the request line refuses control characters itself).
    FUZZ_CHECK(decoded->find('\0') == std::string::npos || head.find('\0') != std::string_view::npos);
  }
  return 0;
}
