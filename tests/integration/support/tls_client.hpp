// A DNS-over-TLS client made with OpenSSL, for what kdig and openssl s_client cannot do from a
// test: many framed queries pipelined on one TLS connection, answers read one by one, the
// peer certificate's name. No certificate verification (the lab's certificates are self-signed).
#pragma once

#include "support/dns_wire.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tern::itest {

class TlsClient {
 public:
  /// Connects to 127.0.0.1:port and completes the handshake, offering ALPN "dot".
  explicit TlsClient(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool connected() const { return ssl_ != nullptr; }
  const std::string& error() const { return error_; }  ///< why the handshake failed
  /// Several two-octet-length frames in one TLS write (pipelining).
  bool send_frames(const std::vector<Bytes>& messages);
  /// The next framed message within `timeout`; nullopt on timeout, close or error.
  std::optional<Bytes> read_frame(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  /// The CN of the server's certificate ("" when none).
  std::string peer_common_name() const;
  std::string alpn() const;  ///< the protocol the server selected ("" when none)
  /// True once a read found the connection closed by the peer (not merely a read timeout).
  bool closed() const { return closed_; }

 private:
  bool read_exact(std::uint8_t* out, std::size_t n);
  int fd_ = -1;
  void* ctx_ = nullptr;  ///< SSL_CTX*
  void* ssl_ = nullptr;  ///< SSL*, set once the handshake is done
  std::string error_;
  bool closed_ = false;
};

}  // namespace tern::itest
