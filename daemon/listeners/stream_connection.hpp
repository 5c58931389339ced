// One client connection of a stream transport, DNS over TCP (RFC 7766) or over TLS (RFC 7858):
// 2-octet length framing, many queries in flight answered as each finishes (out of order), an
// idle timeout, shortened while the slots run short (connection_pressure.hpp) and told to clients
// that ask (RFC 7828), and an eviction by another client's admission (connection_limits.hpp).
// Generic over the stream (a TCP socket or a TlsStream over one), so TCP and DoT share every
// line of framing and pipelining.
#pragma once

#include "daemon/listeners/client_coroutine.hpp"
#include "daemon/listeners/connection_limits.hpp"
#include "daemon/listeners/edns_keepalive.hpp"
#include "daemon/listeners/proxy_sources.hpp"
#include "daemon/observe/daemon_stats.hpp"
#include "daemon/observe/dnstap_tap.hpp"
#include "daemon/answering/edns_padding.hpp"
#include "daemon/answering/query_handler.hpp"
#include "daemon/listeners/udp_listener.hpp"
#include "resolver/input_limits.hpp"
#include "resolver/log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace tern::daemon {

/// Queries in flight on one connection before tern stops reading more from it.
inline constexpr unsigned max_pipelined_per_connection = 64;

/// Reads `buffer` whole from a plain TCP stream (TlsStream has its own, in tls_stream.hpp).
inline asio::awaitable<asio::error_code> read_exactly(asio::ip::tcp::socket& socket, asio::mutable_buffer buffer) {
  auto [ec, n] = co_await asio::async_read(socket, buffer, asio::experimental::as_tuple(asio::use_awaitable));
  co_return ec;
}

/// Writes `buffer` whole to a plain TCP stream.
inline asio::awaitable<asio::error_code> write_all(asio::ip::tcp::socket& socket, asio::const_buffer buffer) {
  auto [ec, n] = co_await asio::async_write(socket, buffer, asio::experimental::as_tuple(asio::use_awaitable));
  co_return ec;
}

/// Whether a plain TCP stream is still setting up (never: TlsStream's says so while its
/// handshake runs, which tls-handshake-timeout bounds, not the idle timeout).
inline bool still_connecting(const asio::ip::tcp::socket&) { return false; }

/// Limits of one stream transport, read by its connections on every check (reload changes them).
struct StreamLimits {
  std::chrono::milliseconds idle_timeout{10000};  ///< tcp-idle-timeout: the one in force without pressure
  unsigned max_connections = 1024;
  unsigned max_connections_per_client = 64;
  ConnectionCounter* open_connections = nullptr;  ///< shared by all workers; outlives them
};

/// What a connection answers with; all owned by the worker, which outlives its connections.
struct StreamServices {
  QueryHandler& handler;
  ActiveQueries& active;
  const StreamLimits& limits;
  DaemonStats& stats;
  /// proxy-protocol-from; null = off. Read over plain TCP only (DoT ignores it).
  const ProxySources* proxy = nullptr;
};

/// Invariant: at most one write in progress (writing_); responses queue in outbox_ in completion
/// order; the connection lives while any coroutine holds it, and holds its connection slot.
template <typename Stream>
class StreamConnection : public std::enable_shared_from_this<StreamConnection<Stream>> {
 public:
  /// `transport`: tcp or tls, how the queries are counted; over tls, answers to padded queries
  /// are padded (RFC 8467: encrypted transports only, padding in clear text hides nothing).
  StreamConnection(Stream stream, const asio::ip::address& client, ConnectionCounter::Slot slot,
                   StreamServices services, ClientTransport transport)
      : stream_(std::move(stream)), client_(client), slot_(std::move(slot)), services_(services),
        transport_(transport), idle_timer_(stream_.get_executor()),
        slot_timer_(stream_.get_executor()) {}

  Stream& stream() noexcept { return stream_; }
  /// Starts the idle timeout again (a TLS handshake just finished: idleness counts from there).
  void mark_active() { slot_.activity().touch(); }
  bool is_open() const { return stream_.lowest_layer().is_open(); }
  /// Closed (or about to be) because another client's admission took its slot.
  bool evicted() { return slot_.activity().evicted(); }

  /// Reads and answers queries until EOF, an error, a bad frame or the idle timeout.
  asio::awaitable<void> run() {
    auto self = this->shared_from_this();
    slot_.activity().touch();
    // From now on an admission on any worker may evict this connection or shorten its timeout.
    slot_.on_wake([weak = std::weak_ptr<StreamConnection>(self), executor = stream_.get_executor()] {
      asio::post(executor, [weak] {
        if (auto connection = weak.lock()) connection->idle_timer_.cancel();  // watch_idle looks again
      });
    });
    asio::co_spawn(stream_.get_executor(), watch_idle(self), CountEscaped(services_.stats, "idle watch"));
    // proxy-protocol-from: a listed balancer's connection starts with the header (the idle
    // watch bounds the wait for it); an unlisted one is checked on its first frame below.
    const bool check_proxy = services_.proxy != nullptr && transport_ == ClientTransport::tcp;
    const bool proxied = check_proxy && services_.proxy->trusted(client_);
    if (proxied) {
      const bool taken = co_await take_proxy_header();
      if (!taken) {
        reading_done_ = true;
        close();
        co_return;
      }
    }
    bool first_frame = true;
    while (is_open()) {
      while (pending_ >= max_pipelined_per_connection && is_open()) {
        slot_timer_.expires_at(asio::steady_timer::time_point::max());
        co_await slot_timer_.async_wait(use_tuple());  // cancelled when a query completes
      }
      std::array<std::uint8_t, 2> prefix;
      if (auto ec = co_await read_exactly(stream_, asio::buffer(prefix))) break;
      std::size_t length = static_cast<std::size_t>(prefix[0] << 8 | prefix[1]);
      if (length == 0) {
        DaemonStats::bump(services_.stats.tcp_bad_frames);  // nothing to answer: the stream is broken
        break;
      }
      std::vector<std::uint8_t> packet(length);
      std::size_t already = 0;
      if (check_proxy && !proxied && std::exchange(first_frame, false) && prefix[0] == proxy_v2_signature[0] &&
          prefix[1] == proxy_v2_signature[1] && length >= proxy_v2_signature.size() - 2) {
        // The frame's length octets are the signature's first two: read the rest of it.
        already = proxy_v2_signature.size() - 2;
        if (auto ec = co_await read_exactly(stream_, asio::buffer(packet.data(), already))) break;
        if (std::equal(packet.begin(), packet.begin() + already, proxy_v2_signature.begin() + 2)) {
          DaemonStats::bump(services_.stats.proxy_dropped_unexpected);
          log::debug("PROXY header on a TCP connection from {}, not in proxy-protocol-from: closed",
                     client_.to_string());
          break;
        }
      }
      if (auto ec = co_await read_exactly(stream_, asio::buffer(packet.data() + already, length - already))) break;
      slot_.activity().touch();
      slot_.activity().query_started();
      ++pending_;
      asio::co_spawn(stream_.get_executor(), answer(self, std::move(packet)),
                     CountEscaped(services_.stats, "stream query"));
    }
    // Reading is over (EOF, error, idle); answers already being worked on still go out.
    reading_done_ = true;
    close_if_finished();
  }

  void close() {
    if (!is_open()) return;
    asio::error_code ignored;
    stream_.lowest_layer().shutdown(asio::socket_base::shutdown_both, ignored);
    stream_.lowest_layer().close(ignored);
    idle_timer_.cancel();
    slot_timer_.cancel();
  }

 private:
  static constexpr auto use_tuple() { return asio::experimental::as_tuple(asio::use_awaitable); }

  /// Reads the PROXY v2 header a listed balancer starts its connection with and makes its
  /// source the client of every query on it. False (counted) when it is missing or malformed.
  asio::awaitable<bool> take_proxy_header() {
    std::vector<std::uint8_t> header(proxy_v2_fixed_size);
    if (auto ec = co_await read_exactly(stream_, asio::buffer(header))) co_return false;
    const std::size_t size = proxy_v2_declared_size(header);
    ProxyHeader parsed;
    bool good = size != 0 && size <= resolver::limits::max_proxy_header_bytes;
    if (good) {
      header.resize(size);
      if (auto ec = co_await read_exactly(stream_, asio::buffer(header.data() + proxy_v2_fixed_size,
                                                               size - proxy_v2_fixed_size)))
        co_return false;
      good = parse_proxy_v2(header, parsed) == ProxyParse::ok;
    }
    if (!good) {
      DaemonStats::bump(services_.stats.proxy_dropped_missing);
      log::debug("TCP connection from {} (proxy-protocol-from) without a valid PROXY v2 header: closed",
                 client_.to_string());
      co_return false;
    }
    DaemonStats::bump(services_.stats.proxy_accepted);
    client_ = proxy_client(parsed, client_);
    co_return true;
  }

  static asio::awaitable<void> answer(std::shared_ptr<StreamConnection> self, std::vector<std::uint8_t> packet) {
    ActiveQueries::Guard guard(self->services_.active);
    const bool pad = self->transport_ == ClientTransport::tls && query_asks_for_padding(packet);
    const bool keepalive = query_asks_for_keepalive(packet);
    // dnstap's whole cost when off: this load and two tests.
    dnstap::Tap* const tap = self->services_.handler.dnstap();
    dnstap::Time received;
    if (tap) {
      received = resolver::tap_now();
      tap->client_query(self->tap_protocol(), self->peer_end(), self->local_end(), packet, received);
    }
    // handle() never throws: its catch-all turns an exception into SERVFAIL for this client.
    auto response = co_await self->services_.handler.handle(std::move(packet), self->client_, self->transport_);
    --self->pending_;
    self->slot_.activity().query_finished();
    self->slot_timer_.cancel();
    self->slot_.activity().touch();
    // RFC 7828 §3.3.2: the timeout in force now; before the padding, which must come last.
    if (response && keepalive) add_keepalive(*response, self->idle_timeout_now());
    if (response && pad) pad_response(*response, padding_block_size);
    if (response && tap && self->is_open())
      tap->client_response(self->tap_protocol(), self->peer_end(), self->local_end(), received, *response);
    if (response && response->size() <= 65535) {
      std::vector<std::uint8_t> frame(2 + response->size());
      frame[0] = static_cast<std::uint8_t>(response->size() >> 8);
      frame[1] = static_cast<std::uint8_t>(response->size() & 0xff);
      std::copy(response->begin(), response->end(), frame.begin() + 2);
      self->outbox_.push_back(std::move(frame));
      if (!self->writing_) co_await self->drain_outbox();
    }
    self->close_if_finished();
  }

  dnstap::SocketProtocol tap_protocol() const {
    return transport_ == ClientTransport::tls ? dnstap::SocketProtocol::dot : dnstap::SocketProtocol::tcp;
  }
  /// The connection's ends for dnstap (only asked with dnstap on).
  dnstap::Endpoint peer_end() {
    asio::error_code ec;
    const auto peer = stream_.lowest_layer().remote_endpoint(ec);
    return dnstap::Endpoint{client_, ec ? std::uint16_t{0} : peer.port()};
  }
  dnstap::Endpoint local_end() {
    asio::error_code ec;
    const auto local = stream_.lowest_layer().local_endpoint(ec);
    return dnstap::Endpoint{local.address(), local.port()};
  }

  asio::awaitable<void> drain_outbox() {
    writing_ = true;
    while (!outbox_.empty() && is_open()) {
      std::vector<std::uint8_t> frame = std::move(outbox_.front());
      outbox_.pop_front();
      if (auto ec = co_await write_all(stream_, asio::buffer(frame))) close();
    }
    writing_ = false;
  }

  /// The idle timeout in force: tcp-idle-timeout, shortened while the slots of this transport
  /// run short (RFC 7766 §6.2.3).
  std::chrono::milliseconds idle_timeout_now() const {
    const StreamLimits& limits = services_.limits;
    const unsigned open = limits.open_connections ? limits.open_connections->open() : 0;
    return idle_timeout_under_pressure(limits.idle_timeout, pressure_level(open, limits.max_connections));
  }

  /// RFC 7766 §6.2.3: close a connection that has been idle (nothing pending, nothing read), at
  /// the timeout in force, so under pressure the idlest go first; close an evicted one at once.
  /// Woken early (the timer cancelled) by an eviction or a rise in pressure.
  static asio::awaitable<void> watch_idle(std::shared_ptr<StreamConnection> self) {
    ConnectionActivity& activity = self->slot_.activity();
    while (self->is_open()) {
      if (activity.evicted()) {  // counted by the admission that took the slot
        self->close();
        break;
      }
      const auto timeout = self->idle_timeout_now();
      const auto now = std::chrono::steady_clock::now();
      const auto idle_since = activity.last_activity();
      auto wake_at = idle_since + timeout;
      if (now >= wake_at) {
        if (self->pending_ == 0 && !still_connecting(self->stream_)) {
          const bool only_under_pressure = now < idle_since + self->services_.limits.idle_timeout;
          DaemonStats::bump(only_under_pressure ? self->services_.stats.tcp_pressure_closed
                                                : self->services_.stats.tcp_idle_closed);
          self->close();
          break;
        }
        // Not idle: queries (or the TLS handshake) are in progress. Re-arming at the expired deadline would complete
        // at once and spin this loop until they finish; the answer moves the last activity on.
        wake_at = now + timeout;
      }
      self->idle_timer_.expires_at(wake_at);
      co_await self->idle_timer_.async_wait(use_tuple());
    }
  }

  void close_if_finished() {
    if (reading_done_ && pending_ == 0 && !writing_) close();
  }

  Stream stream_;
  asio::ip::address client_;
  ConnectionCounter::Slot slot_;
  StreamServices services_;
  ClientTransport transport_;
  asio::steady_timer idle_timer_;
  asio::steady_timer slot_timer_;
  unsigned pending_ = 0;  ///< queries read and not yet answered
  bool writing_ = false;
  bool reading_done_ = false;
  std::deque<std::vector<std::uint8_t>> outbox_;
};

/// Runs `connection` holding it, so it lives until its reading loop ends (co_spawn this).
template <typename Stream>
asio::awaitable<void> run_connection(std::shared_ptr<StreamConnection<Stream>> connection) {
  co_await connection->run();
}

}  // namespace tern::daemon
