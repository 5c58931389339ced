#include "daemon/listeners/tls_stream.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl/error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <openssl/err.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace tern::daemon {

namespace {
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
}

TlsStream::TlsStream(asio::ip::tcp::socket socket, SSL_CTX* context)
    : socket_(std::move(socket)), ssl_(SSL_new(context)), state_changed_(socket_.get_executor()),
      flush_done_(socket_.get_executor()) {
  if (!ssl_) throw std::bad_alloc();
  network_in_ = BIO_new(BIO_s_mem());
  network_out_ = BIO_new(BIO_s_mem());
  if (!network_in_ || !network_out_) {
    BIO_free(network_in_);
    BIO_free(network_out_);
    throw std::bad_alloc();
  }
  // An empty input BIO means "not yet" (SSL_ERROR_WANT_READ), not end of stream: the socket
  // tells the end.
  BIO_set_mem_eof_return(network_in_, -1);
  SSL_set_bio(ssl_.get(), network_in_, network_out_);
  SSL_set_accept_state(ssl_.get());
  // As asio::ssl did: an idle connection gives its record buffers back.
  SSL_set_mode(ssl_.get(), SSL_MODE_RELEASE_BUFFERS);
  state_changed_.expires_at(asio::steady_timer::time_point::max());
  flush_done_.expires_at(asio::steady_timer::time_point::max());
}

void TlsStream::set_state(State state) {
  state_ = state;
  state_changed_.cancel();
}

std::error_code TlsStream::failure(int ssl_error) const {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code != 0) return {static_cast<int>(code), asio::error::get_ssl_category()};
  if (ssl_error == SSL_ERROR_ZERO_RETURN) return asio::error::eof;  // the client's close_notify
  return asio::error::connection_aborted;
}

asio::awaitable<std::error_code> TlsStream::pull() {
  auto [ec, n] = co_await socket_.async_read_some(asio::buffer(socket_buffer_), use_tuple);
  if (ec) co_return ec;
  if (BIO_write(network_in_, socket_buffer_.data(), static_cast<int>(n)) != static_cast<int>(n))
    co_return std::make_error_code(std::errc::not_enough_memory);
  co_return std::error_code{};
}

asio::awaitable<std::error_code> TlsStream::flush() {
  while (flushing_) co_await flush_done_.async_wait(use_tuple);  // its bytes go first, in order
  flushing_ = true;
  std::error_code result;
  std::vector<std::uint8_t> chunk;
  while (BIO_ctrl_pending(network_out_) > 0) {
    chunk.resize(BIO_ctrl_pending(network_out_));
    const int n = BIO_read(network_out_, chunk.data(), static_cast<int>(chunk.size()));
    if (n <= 0) break;
    chunk.resize(static_cast<std::size_t>(n));
    auto [ec, written] = co_await asio::async_write(socket_, asio::buffer(chunk), use_tuple);
    if (ec) {
      result = ec;
      break;
    }
  }
  flushing_ = false;
  flush_done_.cancel();
  co_return result;
}

asio::awaitable<std::error_code> TlsStream::handshake() {
  SSL* ssl = ssl_.get();
  std::error_code ec;
  // Early data: SSL_read_early_data processes the ClientHello and, when the client sent 0-RTT
  // data the ticket allows, returns it record by record until the client's EndOfEarlyData.
  // Without early data (or when it is rejected) it finishes at once.
  if (SSL_get_max_early_data(ssl) > 0) {
    std::array<std::uint8_t, 4096> data;
    for (bool reading = true; reading && !ec;) {
      std::size_t got = 0;
      ERR_clear_error();
      switch (SSL_read_early_data(ssl, data.data(), data.size(), &got)) {
        case SSL_READ_EARLY_DATA_SUCCESS:
          early_.insert(early_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(got));
          state_changed_.cancel();  // a reader may wait for these bytes
          break;
        case SSL_READ_EARLY_DATA_FINISH:
          reading = false;
          break;
        default:
          if (int error = SSL_get_error(ssl, 0); error != SSL_ERROR_WANT_READ) {
            ec = failure(error);
          } else if (!(ec = co_await flush())) {
            ec = co_await pull();
          }
      }
    }
    early_data_accepted_ = !ec && SSL_get_early_data_status(ssl) == SSL_EARLY_DATA_ACCEPTED;
  }
  while (!ec) {
    ERR_clear_error();
    const int result = SSL_do_handshake(ssl);
    if (result == 1) break;
    if (int error = SSL_get_error(ssl, result); error != SSL_ERROR_WANT_READ) {
      ec = failure(error);
    } else if (!(ec = co_await flush())) {
      ec = co_await pull();
    }
  }
  // The last flight (and TLS 1.3 session tickets) go out; an alert too, after a failure.
  std::error_code sent = co_await flush();
  if (!ec) ec = sent;
  set_state(ec ? State::failed : State::established);
  co_return ec;
}

asio::awaitable<std::error_code> TlsStream::read_exactly(asio::mutable_buffer buffer) {
  auto* out = static_cast<std::uint8_t*>(buffer.data());
  std::size_t filled = 0;
  while (filled < buffer.size()) {
    if (early_read_ < early_.size()) {
      const std::size_t n = std::min(buffer.size() - filled, early_.size() - early_read_);
      std::memcpy(out + filled, early_.data() + early_read_, n);
      filled += n;
      early_read_ += n;
      if (early_read_ == early_.size()) {
        early_ = {};  // all read (memory given back); more early data starts at the front
        early_read_ = 0;
      }
      continue;
    }
    if (state_ == State::handshaking) {
      if (!socket_.is_open()) co_return asio::error::operation_aborted;
      co_await state_changed_.async_wait(use_tuple);
      continue;
    }
    if (state_ == State::failed) co_return asio::error::connection_aborted;
    ERR_clear_error();
    const int n = SSL_read(ssl_.get(), out + filled, static_cast<int>(buffer.size() - filled));
    if (n > 0) {
      filled += static_cast<std::size_t>(n);
      continue;
    }
    const int error = SSL_get_error(ssl_.get(), n);
    if (error != SSL_ERROR_WANT_READ) co_return failure(error);
    if (auto ec = co_await flush()) co_return ec;  // e.g. an answer to a KeyUpdate
    if (auto ec = co_await pull()) co_return ec;
  }
  co_return std::error_code{};
}

asio::awaitable<std::error_code> TlsStream::read_some(asio::mutable_buffer buffer, std::size_t& got, bool& early) {
  auto* out = static_cast<std::uint8_t*>(buffer.data());
  got = 0;
  early = false;
  while (true) {
    if (early_read_ < early_.size()) {
      got = std::min(buffer.size(), early_.size() - early_read_);
      std::memcpy(out, early_.data() + early_read_, got);
      early_read_ += got;
      if (early_read_ == early_.size()) {
        early_ = {};
        early_read_ = 0;
      }
      early = true;
      co_return std::error_code{};
    }
    if (state_ == State::handshaking) {
      if (!socket_.is_open()) co_return asio::error::operation_aborted;
      co_await state_changed_.async_wait(use_tuple);
      continue;
    }
    if (state_ == State::failed) co_return asio::error::connection_aborted;
    ERR_clear_error();
    const int n = SSL_read(ssl_.get(), out, static_cast<int>(std::min<std::size_t>(buffer.size(), 1 << 30)));
    if (n > 0) {
      got = static_cast<std::size_t>(n);
      co_return std::error_code{};
    }
    const int error = SSL_get_error(ssl_.get(), n);
    if (error != SSL_ERROR_WANT_READ) co_return failure(error);
    if (auto ec = co_await flush()) co_return ec;
    if (auto ec = co_await pull()) co_return ec;
  }
}

asio::awaitable<std::error_code> TlsStream::write_records(const std::vector<std::vector<std::uint8_t>>& pieces) {
  while (state_ == State::handshaking) {
    if (!socket_.is_open()) co_return asio::error::operation_aborted;
    co_await state_changed_.async_wait(use_tuple);
  }
  if (state_ == State::failed) co_return asio::error::connection_aborted;
  for (const auto& piece : pieces) {
    if (piece.empty()) continue;
    ERR_clear_error();
    const int n = SSL_write(ssl_.get(), piece.data(), static_cast<int>(piece.size()));
    if (n <= 0) co_return failure(SSL_get_error(ssl_.get(), n));
  }
  co_return co_await flush();
}

asio::awaitable<std::error_code> TlsStream::write_all(asio::const_buffer buffer) {
  while (state_ == State::handshaking) {
    if (!socket_.is_open()) co_return asio::error::operation_aborted;
    co_await state_changed_.async_wait(use_tuple);
  }
  if (state_ == State::failed) co_return asio::error::connection_aborted;
  ERR_clear_error();
  // A memory BIO never blocks, so SSL_write takes the whole buffer or fails.
  const int n = SSL_write(ssl_.get(), buffer.data(), static_cast<int>(buffer.size()));
  if (n <= 0) co_return failure(SSL_get_error(ssl_.get(), n));
  co_return co_await flush();
}

}  // namespace tern::daemon
