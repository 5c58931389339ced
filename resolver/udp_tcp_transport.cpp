#include "resolver/udp_tcp_transport.hpp"

#include "resolver/framed_exchange.hpp"

#include "resolver/dns/cookie.hpp"
#include "resolver/limits.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/connect.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <vector>

namespace tern::resolver {

using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;
using asio::ip::udp;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string_view to_string(ExchangeStatus s) noexcept {
  switch (s) {
    case ExchangeStatus::ok: return "ok";
    case ExchangeStatus::timeout: return "timeout";
    case ExchangeStatus::unreachable: return "unreachable";
    case ExchangeStatus::tcp_failed: return "tcp-failed";
    case ExchangeStatus::error: return "error";
  }
  return "unknown";
}

bool reply_matches(const dns::Message& reply, std::uint16_t id, const dns::Question& question) {
  return reply.qr && reply.id == id && reply.opcode == dns::opcode_query &&
         reply.questions.size() == 1 && reply.questions.front() == question;
}

std::string cookie_option_for(const ExchangeRequest& request) {
  if (request.cookie.size() < dns::client_cookie_size || request.edns_size == 0) return {};
  const std::string_view cookie(request.cookie);
  return dns::cookie_option(cookie.substr(0, dns::client_cookie_size), cookie.substr(dns::client_cookie_size));
}

bool cookie_accepted(const dns::Message& reply, const ExchangeRequest& request, std::string& server_cookie) {
  if (request.cookie.size() < dns::client_cookie_size || request.edns_size == 0 || !reply.edns) return true;
  dns::CookieOption found;
  switch (dns::find_cookie(reply.edns->options, found)) {
    case dns::CookieParse::absent: return true;
    case dns::CookieParse::malformed: return false;
    case dns::CookieParse::ok: break;
  }
  if (found.client != std::string_view(request.cookie).substr(0, dns::client_cookie_size)) return false;
  server_cookie = found.server;
  return true;
}

std::vector<std::uint8_t> build_upstream_query(const ExchangeRequest& request, std::uint16_t id) {
  std::vector<std::uint8_t> query = dns::build_query(request.question, id, request.edns_size, cookie_option_for(request));
  if (request.recursion_desired) query[2] |= 0x01;  // RD: a forward zone's recursive server
  return query;
}

std::optional<asio::ip::address> UdpTcpTransport::source_for(const asio::ip::address& server) {
  const std::vector<asio::ip::address>& family = server.is_v4() ? outgoing_.v4 : outgoing_.v6;
  if (family.empty()) return std::nullopt;
  if (family.size() == 1) return family.front();
  return family[rng_.below(static_cast<std::uint32_t>(family.size()))];
}

asio::awaitable<SocketBudget::Permit> UdpTcpTransport::socket_permit(std::chrono::steady_clock::time_point deadline) {
  if (!sockets_) co_return SocketBudget::Permit(nullptr);
  co_return co_await sockets_->acquire(deadline);
}

namespace {

#ifdef TERN_WEAK_UPSTREAM_FOR_TESTS
// A DELIBERATELY BROKEN transport, compiled only into the resolver_weak_tests executable (meson
// option weak_upstream_for_tests), never into ternd: a fixed source port and a fixed ID, so
// that the spoofing flood test can show that it catches a resolver that a blind forger poisons.
inline constexpr std::uint16_t weak_port = 40053;
inline constexpr std::uint16_t weak_id = 0x0042;
#endif

/// A query ID from the CSPRNG (RFC 5452 §9.1).
std::uint16_t new_query_id(SecureRandom& rng) {
#ifdef TERN_WEAK_UPSTREAM_FOR_TESTS
  (void)rng;
  return weak_id;
#else
  return rng.u16();
#endif
}

/// Binds to a random port from the CSPRNG (RFC 5452 §9.2: all of 1024..65535); after a few
/// collisions, lets the kernel pick one (Linux also randomises).
void bind_random_port(udp::socket& sock, const asio::ip::address& source, SecureRandom& rng,
                      asio::error_code& ec) {
  for (int attempt = 0; attempt < 8; ++attempt) {
#ifdef TERN_WEAK_UPSTREAM_FOR_TESTS
    const std::uint16_t port = weak_port;
    (void)rng;
#else
    auto port = static_cast<std::uint16_t>(1024 + rng.below(65536 - 1024));
#endif
    sock.bind(udp::endpoint(source, port), ec);
    if (ec != asio::error::address_in_use) return;
  }
  sock.bind(udp::endpoint(source, 0), ec);
}

/// 0x20 (draft-vixie-dnsext-dns0x20): flips the case of each letter of the question name at
/// random, one CSPRNG bit per letter. The name is the first one of the query, uncompressed.
void randomise_case(std::vector<std::uint8_t>& query, SecureRandom& rng) {
  std::uint32_t bits = 0;
  unsigned left = 0;
  for (std::size_t at = dns::header_size; at < query.size() && query[at] != 0; at += query[at] + 1u) {
    for (std::size_t i = at + 1; i <= at + query[at] && i < query.size(); ++i) {
      const std::uint8_t c = query[i];
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) continue;
      if (left == 0) {
        bits = rng.u32();
        left = 32;
      }
      if (bits & 1u) query[i] = static_cast<std::uint8_t>(c ^ 0x20);
      bits >>= 1;
      --left;
    }
  }
}

/// The tap's view of an exchange on `socket` (UDP or TCP) just sent to `server`.
template <typename Socket, typename Endpoint>
UpstreamTapExchange tap_exchange(Socket& socket, const Endpoint& server, UpstreamProtocol protocol,
                                 const ExchangeRequest& request) {
  asio::error_code ec;
  const Endpoint local = socket.local_endpoint(ec);
  const std::string& zone = request.zone.wire();
  return UpstreamTapExchange{protocol, local.address(), local.port(), server.address(), server.port(),
                             std::span(reinterpret_cast<const std::uint8_t*>(zone.data()), zone.size()), tap_now()};
}

bool is_unreachable(const asio::error_code& ec) {
  return ec == asio::error::connection_refused || ec == asio::error::host_unreachable ||
         ec == asio::error::network_unreachable;
}

}  // namespace

asio::awaitable<ExchangeResult> UdpTcpTransport::exchange(const ExchangeRequest& request) {
  if (request.tcp_only) co_return co_await exchange_tcp(request);
  ExchangeResult result;
  const std::uint16_t id = new_query_id(rng_);
  std::vector<std::uint8_t> query = build_upstream_query(request, id);
  if (request.randomise_case) randomise_case(query, rng_);
  const std::size_t qname_end = dns::header_size + request.question.name.wire().size();
  const udp::endpoint server(request.server, request.port);
  // No socket free within the exchange's own timeout (max-upstream-sockets-per-worker): the
  // walk sees a timeout, which concerns this question only, never a zone-wide failure.
  const bool bounded = sockets_ != nullptr;
  SocketBudget::Permit permit = co_await socket_permit(Clock::now() + request.timeout);
  if (bounded && !permit) {
    result.status = ExchangeStatus::timeout;
    co_return result;
  }
  udp::socket sock(executor_);
  asio::error_code ec;
  sock.open(server.protocol(), ec);
  if (!ec) {
    auto source = source_for(request.server);
    bind_random_port(sock, source ? *source : (server.protocol() == udp::v4()
                                                   ? asio::ip::address(asio::ip::address_v4::any())
                                                   : asio::ip::address(asio::ip::address_v6::any())),
                     rng_, ec);
  }
  if (!ec) sock.connect(server, ec);
  if (ec) co_return result;  // status error
  const auto start = Clock::now();
  auto [send_ec, sent] = co_await sock.async_send(asio::buffer(query), use_tuple);
  if (send_ec) {
    result.status = is_unreachable(send_ec) ? ExchangeStatus::unreachable : ExchangeStatus::error;
    co_return result;
  }
  // dnstap's whole cost when off: this test, and the one on the reply.
  UpstreamTapExchange tapped;
  if (tap_) {
    tapped = tap_exchange(sock, server, UpstreamProtocol::udp, request);
    tap_->upstream_query(tapped, query);
  }
  asio::steady_timer deadline(executor_, start + request.timeout);
  // The reply is read into the transport's one receive buffer, not into a 64 KiB buffer of this
  // exchange: hundreds of exchanges wait at once under a flood of uncached names, and their
  // buffers (64 KiB each, 25 MB at the peak of issue 8's cache flood) stayed in the allocator's
  // high-water mark long after. So: wait until a datagram is there, then take it without
  // blocking and parse it before the next co_await (no other exchange runs in between).
  sock.non_blocking(true, ec);
  if (ec) co_return result;  // status error
  std::vector<std::uint8_t>& buffer = receive_buffer_;
  while (true) {
    auto event = co_await (sock.async_wait(udp::socket::wait_read, use_tuple) ||
                           deadline.async_wait(use_tuple));
    if (event.index() == 1) {
      result.status = ExchangeStatus::timeout;
      co_return result;
    }
    auto [wait_ec] = std::get<0>(event);
    asio::error_code recv_ec = wait_ec;
    std::size_t n = 0;
    if (!recv_ec) n = sock.receive(asio::buffer(buffer), 0, recv_ec);
    if (recv_ec == asio::error::would_block || recv_ec == asio::error::try_again) continue;
    if (recv_ec) {
      result.status = is_unreachable(recv_ec) ? ExchangeStatus::unreachable : ExchangeStatus::error;
      co_return result;
    }
    dns::Message reply;
    if (dns::parse_message(std::span(buffer.data(), n), reply) != dns::WireError::none) {
      ++result.malformed;
      continue;  // garbage does not end the wait: the genuine answer may still come
    }
    if (!reply_matches(reply, id, request.question)) {
      ++result.mismatched;
      continue;
    }
    // 0x20: the question must come back octet for octet (reply_matches ignores case).
    if (request.randomise_case &&
        (n < qname_end || !std::equal(query.begin() + dns::header_size, query.begin() + qname_end,
                                      buffer.begin() + dns::header_size))) {
      ++result.case_mismatches;
      ++result.mismatched;
      continue;
    }
    if (!cookie_accepted(reply, request, result.server_cookie)) {
      ++result.mismatched;
      continue;
    }
    result.rtt = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
    if (tap_) tap_->upstream_response(tapped, std::span(buffer.data(), n), tap_now());
    if (!reply.tc) {
      result.status = ExchangeStatus::ok;
      result.reply = std::move(reply);
      co_return result;
    }
    break;
  }
  // RFC 7766 §5 / RFC 1035 §4.2.1: truncated over UDP, so ask the same question over TCP. The
  // UDP socket is closed first and its permit given back: holding it while waiting for a TCP
  // one could leave every permit held by exchanges waiting for another.
  sock.close(ec);
  permit.release();
  ExchangeResult tcp_result = co_await exchange_tcp(request);
  tcp_result.rtt = result.rtt;
  tcp_result.mismatched += result.mismatched;
  tcp_result.malformed += result.malformed;
  tcp_result.case_mismatches += result.case_mismatches;
  co_return tcp_result;
}

asio::awaitable<ExchangeResult> UdpTcpTransport::exchange_tcp(const ExchangeRequest& request) {
  ExchangeResult result;
  result.over_tcp = true;
  result.status = ExchangeStatus::tcp_failed;
  const std::uint16_t id = new_query_id(rng_);
  std::vector<std::uint8_t> query = build_upstream_query(request, id);
  // 0x20 over TCP only to find out whether the server echoes case (see ExchangeRequest).
  const bool check_case = request.tcp_only && request.randomise_case;
  if (check_case) randomise_case(query, rng_);
  const std::size_t qname_end = dns::header_size + request.question.name.wire().size();
  const tcp::endpoint server(request.server, request.port);
  const auto start = Clock::now();
  SocketBudget::Permit permit = co_await socket_permit(start + limits::tcp_upstream_timeout);
  if (sockets_ && !permit) {
    // As over UDP: a timeout (this question's), not tcp_failed (a zone-wide network failure).
    result.status = ExchangeStatus::timeout;
    co_return result;
  }
  tcp::socket sock(executor_);
  asio::error_code ec;
  sock.open(server.protocol(), ec);
  if (auto source = source_for(request.server); !ec && source) sock.bind(tcp::endpoint(*source, 0), ec);
  if (ec) co_return result;
  asio::steady_timer deadline(executor_, start + limits::tcp_upstream_timeout);

  auto connected = co_await (sock.async_connect(server, use_tuple) || deadline.async_wait(use_tuple));
  if (connected.index() == 1 || std::get<0>(std::get<0>(connected))) co_return result;
  auto accept = [&](const dns::Message& reply) {
    return reply_matches(reply, id, request.question) && cookie_accepted(reply, request, result.server_cookie);
  };
  std::vector<std::uint8_t> body;
  UpstreamTapExchange tapped;
  if (tap_) {
    tapped = tap_exchange(sock, server, UpstreamProtocol::tcp, request);
    tap_->upstream_query(tapped, query);
  }
  // Every other end leaves the status tcp_failed (a malformed reply counted as such).
  if (co_await framed_exchange(sock, deadline, query, accept, result, body) != FramedEnd::answered) co_return result;
  if (tap_) tap_->upstream_response(tapped, body, tap_now());
  result.rtt = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  result.case_echoed = check_case && body.size() >= qname_end &&
                       std::equal(query.begin() + dns::header_size, query.begin() + qname_end,
                                  body.begin() + dns::header_size);
  co_return result;
}

}  // namespace tern::resolver
