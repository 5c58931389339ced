// The HTTP/2 (RFC 9113) side of one DNS-over-HTTPS connection, without I/O: libnghttp2's server
// session fed the bytes TLS decrypted, producing the bytes TLS must send, and handing each
// complete DoH request's DNS query to its owner, who answers it later with respond(). Bad
// requests get their status here (doh_request.hpp), counted, without touching other streams.
// Fuzzed whole (tests/fuzz/fuzz_doh.cpp). Not thread-safe: one worker thread drives it.
#pragma once

#include "daemon/listeners/doh_request.hpp"
#include "daemon/observe/daemon_stats.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

struct nghttp2_session;

namespace tern::daemon {

struct Http2Settings {
  std::uint32_t max_streams = 100;  ///< https-max-streams: SETTINGS_MAX_CONCURRENT_STREAMS
  std::string endpoint = "/dns-query";  ///< https-endpoint
};

class Http2Session {
 public:
  /// Called (inside receive()) with a stream's DNS query; answer it with respond(stream, ...).
  using OnQuery = std::function<void(std::int32_t stream, std::vector<std::uint8_t> query)>;

  /// Queues the server's SETTINGS (take them with take_output()). Throws std::bad_alloc when
  /// nghttp2 cannot allocate.
  Http2Session(const Http2Settings& settings, DaemonStats& stats, OnQuery on_query);
  ~Http2Session();
  Http2Session(const Http2Session&) = delete;
  Http2Session& operator=(const Http2Session&) = delete;

  /// Feeds bytes from the client; `early_data`: they came in TLS 1.3 early data. False when the
  /// connection must close (a protocol error, a reset flood): send take_output() first (GOAWAY).
  bool receive(std::span<const std::uint8_t> bytes, bool early_data,
               std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
  /// Answers `stream` with `response` (200, application/dns-message, cache-control). Nothing
  /// when the client has reset or closed the stream meanwhile.
  void respond(std::int32_t stream, std::vector<std::uint8_t> response);
  /// Answers `stream` with an error status instead (the handler dropped the query).
  void respond_status(std::int32_t stream, DohStatus status);
  /// Everything nghttp2 may send now (within the client's flow-control windows), one piece per
  /// frame (each goes out as its own TLS record: clients such as dnsperf read one record at a
  /// time and keep one response per read); empty when there is nothing.
  std::vector<std::vector<std::uint8_t>> take_output();
  /// Nothing more to read or write: the connection is over (after GOAWAY both ways).
  bool finished() const;
  /// Streams whose query is being answered (not idle while any is).
  unsigned resolving() const noexcept { return resolving_; }

 private:
  struct Stream {
    DohRequest request;
    std::size_t header_bytes = 0;
    bool resolving = false;             ///< handed to on_query_, not yet answered
    bool answered = false;              ///< a response is submitted: anything more the client sends is dropped
    std::vector<std::uint8_t> body;     ///< the response body nghttp2 reads from
    std::size_t body_sent = 0;
    std::string content_length, cache_control;  ///< header values: live until the stream closes
  };
  friend struct Http2Callbacks;

  Stream* stream(std::int32_t id);
  /// The request on `id` is complete: judge it, answer an error or hand it on.
  void request_complete(std::int32_t id);
  void send_status(std::int32_t id, Stream& stream, DohStatus status);
  void send_answer(std::int32_t id, Stream& stream, std::vector<std::uint8_t> response);
  /// A reset from the client: takes a token, false when there is none left (rapid reset).
  bool take_reset_token(std::chrono::steady_clock::time_point now);

  nghttp2_session* session_ = nullptr;
  Http2Settings settings_;
  DaemonStats& stats_;
  OnQuery on_query_;
  std::unordered_map<std::int32_t, Stream> streams_;  ///< open streams (element addresses stable)
  unsigned resolving_ = 0;
  bool early_data_ = false;  ///< the bytes being fed came in early data
  bool reset_flood_ = false;
  std::chrono::steady_clock::time_point now_{};  ///< of the bytes being fed
  double reset_tokens_;
  std::chrono::steady_clock::time_point tokens_at_{};
};

}  // namespace tern::daemon
