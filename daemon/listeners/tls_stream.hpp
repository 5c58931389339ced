// The server side of one TLS connection over a TCP socket, OpenSSL driven through memory BIOs
// and asio coroutines. ternd drives the handshake itself (rather than asio::ssl::stream's
// SSL_accept) because only SSL_read_early_data lets a server take TLS 1.3 early data (0-RTT):
// with tls-early-data on, queries that arrive with the ClientHello are readable (and start
// resolving) while the handshake goes on; every write waits for the handshake to finish, so
// no answer leaves before the client has proved its Finished (no 0.5-RTT data).
//
// One thread (the worker's) drives a stream: the handshake, one reader and one writer may be
// suspended at once, and OpenSSL calls never overlap.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <openssl/ssl.h>

#include <array>
#include <cstdint>
#include <memory>
#include <system_error>
#include <vector>

namespace tern::daemon {

class TlsStream {
 public:
  using executor_type = asio::ip::tcp::socket::executor_type;

  /// A server-side TLS stream with the settings of `context`; throws std::bad_alloc when
  /// OpenSSL cannot allocate the connection.
  TlsStream(asio::ip::tcp::socket socket, SSL_CTX* context);

  executor_type get_executor() { return socket_.get_executor(); }
  asio::ip::tcp::socket& lowest_layer() { return socket_; }
  const asio::ip::tcp::socket& lowest_layer() const { return socket_; }
  SSL* native_handle() { return ssl_.get(); }

  /// Runs the server handshake. When the context allows early data, 0-RTT bytes are read on
  /// the way and handed to read_exactly() before the handshake ends.
  asio::awaitable<std::error_code> handshake();
  bool handshaking() const noexcept { return state_ == State::handshaking; }
  /// Whether the client's early data was accepted (valid after handshake()).
  bool early_data_accepted() const noexcept { return early_data_accepted_; }

  /// Fills `buffer` whole with decrypted bytes (early data first); waits for the handshake.
  asio::awaitable<std::error_code> read_exactly(asio::mutable_buffer buffer);
  /// Reads what is there (at least one octet) into `buffer`: early data first, whole (`early`
  /// set), then what arrives after the handshake; waits for the handshake. For HTTP/2, whose
  /// frames nghttp2 reassembles.
  asio::awaitable<std::error_code> read_some(asio::mutable_buffer buffer, std::size_t& got, bool& early);
  /// Encrypts each piece as its own TLS record and sends them all in one go, once the handshake
  /// is over.
  asio::awaitable<std::error_code> write_records(const std::vector<std::vector<std::uint8_t>>& pieces);
  /// Encrypts and sends `buffer` whole once the handshake is over.
  asio::awaitable<std::error_code> write_all(asio::const_buffer buffer);

 private:
  enum class State { handshaking, established, failed };
  struct SslFree {
    void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
  };

  /// Reads what the socket has into OpenSSL's input BIO.
  asio::awaitable<std::error_code> pull();
  /// Sends everything OpenSSL has written (one sender at a time; others wait for it).
  asio::awaitable<std::error_code> flush();
  /// The error of a failed OpenSSL call, from its error queue.
  std::error_code failure(int ssl_error) const;
  void set_state(State state);

  asio::ip::tcp::socket socket_;
  std::unique_ptr<SSL, SslFree> ssl_;
  BIO* network_in_ = nullptr;   ///< owned by ssl_: bytes from the client, for OpenSSL
  BIO* network_out_ = nullptr;  ///< owned by ssl_: bytes OpenSSL wrote, for the client
  State state_ = State::handshaking;
  bool early_data_accepted_ = false;
  bool flushing_ = false;
  std::vector<std::uint8_t> early_;  ///< early data not yet read
  std::size_t early_read_ = 0;       ///< how much of early_ read_exactly() has taken
  /// Never expire; cancel() wakes everyone waiting on them.
  asio::steady_timer state_changed_;  ///< handshake progress: early data came, it ended or failed
  asio::steady_timer flush_done_;
  std::array<std::uint8_t, 16384> socket_buffer_;
};

/// The reads, writes and state StreamConnection uses, for a TLS stream.
inline bool still_connecting(const TlsStream& stream) { return stream.handshaking(); }
inline asio::awaitable<std::error_code> read_exactly(TlsStream& stream, asio::mutable_buffer buffer) {
  return stream.read_exactly(buffer);
}
inline asio::awaitable<std::error_code> write_all(TlsStream& stream, asio::const_buffer buffer) {
  return stream.write_all(buffer);
}

}  // namespace tern::daemon
