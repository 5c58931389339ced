// The DNS-over-TCP exchange (RFC 1035 §4.2.2, RFC 7766 §8), written once for both upstream
// streams: plain TCP (after TC=1, or 0x20 checks) and TLS to forwarders (RFC 7858). A query
// goes out with its 2-octet length prefix; framed replies are read until one is accepted, the
// stream fails or the deadline fires.
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/upstream_transport.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace tern::resolver {

/// How a framed exchange ended.
enum class FramedEnd {
  answered,   ///< an accepted reply is in the result (status ok)
  timed_out,  ///< the deadline fired first
  failed,     ///< the stream failed (reset, closed, TLS error)
  malformed,  ///< a reply failed the wire check: the stream cannot be resynchronised
};

/// Writes `query` framed on the connected `stream` and reads framed replies until `accept`
/// (a predicate over the parsed reply: ID, question, cookie) takes one, or `deadline` fires.
/// An accepted reply goes into `result` (status ok) and its octets into `body`; a reply not
/// accepted is counted in result.mismatched (a spoofing near-miss) and the next one read; a
/// malformed one is counted in result.malformed and ends the exchange.
template <typename Stream, typename Accept>
asio::awaitable<FramedEnd> framed_exchange(Stream& stream, asio::steady_timer& deadline,
                                           const std::vector<std::uint8_t>& query, Accept accept,
                                           ExchangeResult& result, std::vector<std::uint8_t>& body) {
  using namespace asio::experimental::awaitable_operators;
  constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
  std::array<std::uint8_t, 2> prefix{static_cast<std::uint8_t>(query.size() >> 8),
                                     static_cast<std::uint8_t>(query.size())};
  std::array<asio::const_buffer, 2> out{asio::buffer(prefix), asio::buffer(query)};
  auto written = co_await (asio::async_write(stream, out, use_tuple) || deadline.async_wait(use_tuple));
  if (written.index() == 1) co_return FramedEnd::timed_out;
  if (std::get<0>(std::get<0>(written))) co_return FramedEnd::failed;
  while (true) {
    auto got_len = co_await (asio::async_read(stream, asio::buffer(prefix), use_tuple) || deadline.async_wait(use_tuple));
    if (got_len.index() == 1) co_return FramedEnd::timed_out;
    if (std::get<0>(std::get<0>(got_len))) co_return FramedEnd::failed;
    body.assign(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]), 0);
    auto got = co_await (asio::async_read(stream, asio::buffer(body), use_tuple) || deadline.async_wait(use_tuple));
    if (got.index() == 1) co_return FramedEnd::timed_out;
    if (std::get<0>(std::get<0>(got))) co_return FramedEnd::failed;
    dns::Message reply;
    if (dns::parse_message(body, reply) != dns::WireError::none) {
      ++result.malformed;
      co_return FramedEnd::malformed;
    }
    if (!accept(reply)) {
      ++result.mismatched;
      continue;
    }
    result.status = ExchangeStatus::ok;
    result.reply = std::move(reply);
    co_return FramedEnd::answered;
  }
}

}  // namespace tern::resolver
