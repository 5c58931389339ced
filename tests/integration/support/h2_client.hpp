// An HTTP/2 client (libnghttp2 over OpenSSL, ALPN "h2") for what curl and kdig do not send:
// wrong paths, methods and content types, oversized headers, stream floods, resets, and
// the opening bytes of requests sent in TLS 1.3 early data (by openssl s_client). No certificate verification (test certificates are self-signed).
#pragma once

#include "support/dns_wire.hpp"

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct nghttp2_session;

namespace tern::itest {

struct H2Response {
  int status = 0;                              ///< :status, 0 until the headers came
  std::map<std::string, std::string> headers;  ///< the others, lower-case names
  Bytes body;
  bool closed = false;        ///< the stream ended (answered or reset)
  std::uint32_t reset = 0;    ///< the RST_STREAM error code when the server reset it
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class H2Client {
 public:
  /// Connects to 127.0.0.1:port and completes the handshake offering ALPN "h2".
  explicit H2Client(std::uint16_t port);
  ~H2Client();
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  bool connected() const { return ssl_ != nullptr; }
  const std::string& error() const { return error_; }
  std::string alpn() const;

  /// Queues a request (nothing sent until flush()); returns its stream id.
  std::int32_t submit(const std::string& method, const std::string& path, const HeaderList& headers = {},
                      const Bytes* body = nullptr);
  /// Queues RST_STREAM CANCEL for `stream`.
  void reset(std::int32_t stream);
  /// Writes `bytes` as they are (before anything queued: no preface yet when nothing was flushed).
  bool send_raw(const std::string& bytes);
  /// Sends what is queued; false when the connection is gone.
  bool flush();
  /// Reads until every stream in `streams` is closed, the connection ends, or `timeout`.
  bool wait(const std::vector<std::int32_t>& streams, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Reads until the server closes the connection or `timeout`; true when it closed.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  const H2Response& response(std::int32_t stream) { return responses_[stream]; }
  bool goaway() const { return goaway_; }
  std::uint32_t goaway_error() const { return goaway_error_; }
  bool closed() const { return closed_; }

  /// What a client sends first: the connection preface, SETTINGS and `requests` (method, path;
  /// a POST carries a query for www.example.lab), e.g. for openssl s_client -early_data.
  static Bytes opening_bytes(const std::vector<std::pair<std::string, std::string>>& requests);
  /// A GET of `path` + "?dns=" + base64url(query).
  static std::string get_path(const std::string& endpoint, const Bytes& query);

 private:
  struct Body {
    Bytes data;
    std::size_t sent = 0;
  };
  friend struct H2ClientCallbacks;
  H2Client();  ///< no connection: a session that only produces bytes
  bool read_once(std::chrono::milliseconds timeout);
  std::int32_t submit_to(nghttp2_session* session, const std::string& method, const std::string& path,
                         const HeaderList& headers, const Bytes* body);

  int fd_ = -1;
  void* ctx_ = nullptr;  ///< SSL_CTX*
  void* ssl_ = nullptr;  ///< SSL*, set once the handshake is done
  nghttp2_session* session_ = nullptr;
  std::string error_;
  bool closed_ = false;
  bool goaway_ = false;
  std::uint32_t goaway_error_ = 0;
  std::map<std::int32_t, H2Response> responses_;
  std::list<Body> bodies_;  ///< stable addresses for nghttp2's data providers
};

}  // namespace tern::itest
