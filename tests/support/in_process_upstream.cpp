#include "tests/support/in_process_upstream.hpp"

#include "resolver/limits.hpp"
#include "resolver/udp_tcp_transport.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <stdexcept>

namespace tern::testing {

namespace {
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

std::chrono::microseconds micros(VirtualTime::Duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d);
}
}  // namespace

// ---- VirtualTime ---------------------------------------------------------------------------

asio::awaitable<void> VirtualTime::wait_until(Duration when, std::shared_ptr<Gate> gate) {
  if (now_ >= when || (gate && gate->is_open())) co_return;
  // One timer that never expires by itself: advance() cancels it at `when`, the gate when it
  // opens; either wakes this wait, which then looks at the clock and the gate.
  auto timer = std::make_shared<asio::steady_timer>(io_, asio::steady_timer::time_point::max());
  due_.emplace(when, timer);
  if (gate) gate->wake_on_open(timer);
  while (now_ < when && !(gate && gate->is_open())) co_await timer->async_wait(use_tuple);
}

bool VirtualTime::advance(Duration limit) {
  while (!due_.empty() && due_.begin()->first <= limit) {
    if (due_.begin()->second.expired()) {  // woken by its gate and gone: no reason to move
      due_.erase(due_.begin());
      continue;
    }
    now_ = std::max(now_, due_.begin()->first);
    while (!due_.empty() && due_.begin()->first <= now_) {
      if (auto timer = due_.begin()->second.lock()) timer->cancel();
      due_.erase(due_.begin());
    }
    return true;
  }
  now_ = std::max(now_, limit);
  return false;
}

// ---- InProcessUpstream ---------------------------------------------------------------------

InProcessUpstream::InProcessUpstream(asio::io_context& io, resolver::SecureRandom& rng,
                                     std::chrono::microseconds round_trip)
    : time_(io), rng_(rng), round_trip_(round_trip) {}

ScriptedServer& InProcessUpstream::add(const asio::ip::address& address, Handler handler) {
  auto& slot = servers_[address];
  if (slot) throw std::logic_error("two scripted servers at " + address.to_string());
  slot = std::make_unique<ScriptedServer>(address, std::move(handler));
  return *slot;
}

ScriptedServer* InProcessUpstream::find(const asio::ip::address& address) {
  auto it = servers_.find(address);
  return it == servers_.end() ? nullptr : it->second.get();
}

asio::awaitable<resolver::ExchangeResult> InProcessUpstream::exchange(const resolver::ExchangeRequest& request) {
  ScriptedServer* server = request.port == 53 && !request.tls ? find(request.server) : nullptr;
  if (!server) {
    resolver::ExchangeResult result;
    result.status = resolver::ExchangeStatus::unreachable;
    co_return result;
  }
  if (request.tcp_only) co_return co_await exchange_tcp(request, *server);
  co_return co_await exchange_udp(request, *server);
}

asio::awaitable<std::optional<std::vector<std::uint8_t>>> InProcessUpstream::ask(
    ScriptedServer& server, const std::vector<std::uint8_t>& query, Transport transport,
    VirtualTime::Duration deadline) {
  std::optional<ScriptedServer::Query> taken = server.receive(query, transport);
  if (!taken) co_return std::nullopt;
  const Action& action = taken->action;
  if (!action.before.empty() || action.flood) ++wire_only_actions_;
  co_await time_.wait_until(std::min(time_.now() + round_trip_ + action.delay, deadline));
  if (time_.now() >= deadline) co_return std::nullopt;
  if (action.hold) {
    co_await time_.wait_until(deadline, action.hold);
    if (time_.now() >= deadline) co_return std::nullopt;  // the gate opened too late, or never
  }
  co_return server.reply_octets(*taken, transport);
}

asio::awaitable<resolver::ExchangeResult> InProcessUpstream::exchange_udp(const resolver::ExchangeRequest& request,
                                                                         ScriptedServer& server) {
  resolver::ExchangeResult result;
  const VirtualTime::Duration start = time_.now(), deadline = start + request.timeout;
  const std::uint16_t id = rng_.u16();
  const auto octets = co_await ask(server, resolver::build_upstream_query(request, id), Transport::udp, deadline);
  dns::Message reply;
  if (!octets) {
    // silence, or too late: the wait below runs out
  } else if (dns::parse_message(*octets, reply) != dns::WireError::none) {
    ++result.malformed;  // garbage does not end the wait (there is nothing else coming here)
  } else if (!resolver::reply_matches(reply, id, request.question) ||
             !resolver::cookie_accepted(reply, request, result.server_cookie)) {
    ++result.mismatched;
  } else if (!reply.tc) {
    result.status = resolver::ExchangeStatus::ok;
    result.reply = std::move(reply);
    result.rtt = micros(time_.now() - start);
    co_return result;
  } else {
    // RFC 7766 §5: truncated over UDP, so the same question over TCP.
    resolver::ExchangeResult tcp = co_await exchange_tcp(request, server);
    tcp.rtt = micros(time_.now() - start);
    co_return tcp;
  }
  co_await time_.wait_until(deadline);
  result.status = resolver::ExchangeStatus::timeout;
  co_return result;
}

asio::awaitable<resolver::ExchangeResult> InProcessUpstream::exchange_tcp(const resolver::ExchangeRequest& request,
                                                                         ScriptedServer& server) {
  resolver::ExchangeResult result;
  result.over_tcp = true;
  result.status = resolver::ExchangeStatus::tcp_failed;
  const VirtualTime::Duration start = time_.now(), deadline = start + resolver::limits::tcp_upstream_timeout;
  const std::uint16_t id = rng_.u16();
  const std::vector<std::uint8_t> query = resolver::build_upstream_query(request, id);
  const auto octets = co_await ask(server, query, Transport::tcp, deadline);
  dns::Message reply;
  if (octets && dns::parse_message(*octets, reply) != dns::WireError::none) {
    ++result.malformed;  // a broken TCP stream cannot be resynchronised: at once
    co_return result;
  }
  if (!octets || !resolver::reply_matches(reply, id, request.question) ||
      !resolver::cookie_accepted(reply, request, result.server_cookie)) {
    if (octets) ++result.mismatched;
    co_await time_.wait_until(deadline);
    co_return result;
  }
  result.status = resolver::ExchangeStatus::ok;
  result.rtt = micros(time_.now() - start);
  // The question goes out as the walk wrote it (no 0x20 here), so an echo is octet for octet.
  const std::size_t qname_end = dns::header_size + request.question.name.wire().size();
  result.case_echoed = request.tcp_only && request.randomise_case && octets->size() >= qname_end &&
                       std::equal(query.begin() + dns::header_size, query.begin() + qname_end,
                                  octets->begin() + dns::header_size);
  result.reply = std::move(reply);
  co_return result;
}

}  // namespace tern::testing
