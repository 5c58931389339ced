// Fuzz target: what a DNS-over-HTTPS client sends. The bytes go to the HTTP/2 server session
// (libnghttp2 and tern's request handling: headers, bodies, resets, the rapid-reset bound, the
// RFC 8484 verdicts) in chunks, with queries answered in between, some late after their stream
// may be gone; and to the pure parts directly (base64url, max-age).
#include "daemon/listeners/doh_request.hpp"
#include "daemon/listeners/http2_session.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

using namespace tern::daemon;

namespace {

/// RFC 9113 §3.4: what every client sends first; given for free so the fuzzer starts past it.
constexpr std::string_view preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t control = data[0];
  std::span<const std::uint8_t> input(data + 1, size - 1);

  // The pure parts.
  const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
  if (auto decoded = base64url_decode(text)) FUZZ_CHECK(decoded->size() <= text.size());
  (void)response_max_age(input);

  DaemonStats stats;
  std::vector<std::pair<std::int32_t, std::vector<std::uint8_t>>> asked;
  Http2Session session({.max_streams = 8, .endpoint = "/dns-query"}, stats,
                       [&](std::int32_t id, std::vector<std::uint8_t> query) {
                         FUZZ_CHECK(query.size() >= 12 && query.size() <= 65535);
                         asked.emplace_back(id, std::move(query));
                       });
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  bool open = true;
  if (control & 1)
    open = session.receive({reinterpret_cast<const std::uint8_t*>(preface.data()), preface.size()}, false, now);
  // Chunks of a size the control byte picks, some flagged early data; answers in between.
  const std::size_t chunk = 1 + (control >> 2) * 7;
  for (std::size_t at = 0; open && at < input.size(); at += chunk) {
    auto piece = input.subspan(at, std::min(chunk, input.size() - at));
    open = session.receive(piece, (control & 2) && at == 0, now);
    now += std::chrono::milliseconds(control);
    (void)session.take_output();
    // Answer every other query now (echoing it as the response), the rest at the end.
    std::vector<std::pair<std::int32_t, std::vector<std::uint8_t>>> later;
    for (std::size_t i = 0; i < asked.size(); ++i) {
      if (i % 2 == 0) session.respond(asked[i].first, asked[i].second);
      else later.push_back(std::move(asked[i]));
    }
    asked = std::move(later);
  }
  for (auto& [id, query] : asked) session.respond(id, query);
  session.respond(12345, {});  // a stream that never was
  (void)session.take_output();
  (void)session.finished();
  return 0;
}
