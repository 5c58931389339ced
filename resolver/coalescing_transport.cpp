#include "resolver/coalescing_transport.hpp"

#include <asio/cancellation_state.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/system_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace tern::resolver {

std::string CoalescingTransport::key_of(const ExchangeRequest& r) {
  std::string key;
  if (r.server.is_v4()) {
    const auto bytes = r.server.to_v4().to_bytes();
    key.append(bytes.begin(), bytes.end());
  } else {
    const auto bytes = r.server.to_v6().to_bytes();
    key.append(bytes.begin(), bytes.end());
  }
  const std::uint16_t numbers[] = {r.port, r.question.type, r.question.klass, r.edns_size};
  for (std::uint16_t n : numbers) {
    key += static_cast<char>(n >> 8);
    key += static_cast<char>(n & 0xff);
  }
  key += static_cast<char>((r.randomise_case ? 1 : 0) | (r.recursion_desired ? 2 : 0) | (r.tls ? 4 : 0) |
                           (r.tcp_only ? 8 : 0));
  key += r.question.name.wire();
  key += '\0';
  key += r.tls_name;
  return key;
}

namespace {

/// Whether a cancellation state says the coroutine was cancelled: a shed resolution
/// (max-resolutions-per-worker). Read without a co_await that would throw on it.
bool cancelled(const asio::cancellation_state& state) { return state.cancelled() != asio::cancellation_type::none; }

}  // namespace

asio::awaitable<ExchangeResult> CoalescingTransport::exchange(const ExchangeRequest& request) {
  std::string key = key_of(request);
  while (true) {
    auto it = pending_.find(key);
    if (it == pending_.end()) break;
    std::shared_ptr<Pending> pending = it->second;
    co_await pending->done.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    // A walk that was shed must not learn from an exchange its cancellation cut short.
    if (cancelled(co_await asio::this_coro::cancellation_state)) throw asio::system_error(asio::error::operation_aborted);
    if (pending->result) {
      shared_.fetch_add(1, std::memory_order_relaxed);
      ExchangeResult result = *pending->result;
      result.shared = true;
      co_return result;
    }
    // The walk that sent it was shed and its exchange cut short: send it ourselves.
  }
  auto pending = std::make_shared<Pending>(co_await asio::this_coro::executor);
  pending_.emplace(key, pending);
  // Whatever ends this frame (a result, a cancellation, or destruction at shutdown) releases
  // the waiters; without a result they send the exchange again themselves.
  struct Release {
    CoalescingTransport& self;
    const std::string& key;
    Pending& pending;
    ~Release() {
      self.pending_.erase(key);
      pending.done.cancel();
    }
  } release{*this, key, *pending};
  ExchangeResult result = co_await inner_.exchange(request);
  // Cut short by a cancellation (the status then says nothing about the server): the walk
  // ends here, and the waiters, if any, ask again.
  if (cancelled(co_await asio::this_coro::cancellation_state)) throw asio::system_error(asio::error::operation_aborted);
  pending->result = result;
  co_return result;
}

}  // namespace tern::resolver
