// Identical upstream exchanges in flight at once are sent once. When many client questions
// walk into the same zone together (a cold cache under load), each walk asks the same server
// the same minimised question or looks up the same glue-less NS name; without this every one of
// them goes out. One instance per worker, used from its thread only: no locks.
#pragma once

#include "resolver/upstream_transport.hpp"

#include <asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace tern::resolver {

class CoalescingTransport final : public UpstreamTransport {
 public:
  /// `shared` counts exchanges answered by an identical one already in flight (not sent).
  CoalescingTransport(UpstreamTransport& inner, std::atomic<std::uint64_t>& shared)
      : inner_(inner), shared_(shared) {}

  asio::awaitable<ExchangeResult> exchange(const ExchangeRequest& request) override;

  /// Exchanges in flight (for tests).
  std::size_t pending() const noexcept { return pending_.size(); }

 private:
  /// One exchange in flight; the callers that asked the same wait on `done`.
  struct Pending {
    explicit Pending(const asio::any_io_executor& executor)
        : done(executor, asio::steady_timer::time_point::max()) {}
    asio::steady_timer done;
    std::optional<ExchangeResult> result;
  };
  /// What makes two exchanges the same: server, port, question, and every option that changes
  /// what is sent or how (EDNS size, 0x20, TCP only, RD, TLS and its name). The cookie is the server's
  /// own and the timeout only bounds the wait: neither is part of it.
  static std::string key_of(const ExchangeRequest& request);

  UpstreamTransport& inner_;
  std::atomic<std::uint64_t>& shared_;
  std::unordered_map<std::string, std::shared_ptr<Pending>> pending_;
};

}  // namespace tern::resolver
