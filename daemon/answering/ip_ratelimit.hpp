// ip-ratelimit: queries per second per client address over UDP (like Unbound's ip-ratelimit).
// One token bucket per address in a bounded, sharded table shared by every worker (a client's
// datagrams may reach several workers' SO_REUSEPORT sockets). Off (rate 0) by default; the
// hot path then pays one relaxed load and one branch (enabled()).
#pragma once

#include "cache/keyed_hash.hpp"

#include <asio/ip/address.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace tern::daemon {

class IpRateLimiter {
 public:
  enum class Verdict : std::uint8_t {
    allow,
    drop,  ///< over the limit: no reply
    slip,  ///< over the limit, but this one gets an empty TC=1 reply so a real client retries over TCP
  };
  using Clock = std::chrono::steady_clock;

  /// At most `max_addresses` buckets are kept (spread over the shards); an attacker spraying
  /// source addresses evicts idle buckets, never grows the table.
  IpRateLimiter(cache::HashKey key, std::size_t max_addresses = 65536);

  /// Queries per second per address (0 = off) and slip (every Nth limited query gets TC=1;
  /// 0 = drop them all). Callable from any thread at any time (reload).
  void configure(std::uint32_t rate, std::uint32_t slip) noexcept {
    slip_.store(slip, std::memory_order_relaxed);
    rate_.store(rate, std::memory_order_relaxed);
  }
  bool enabled() const noexcept { return rate_.load(std::memory_order_relaxed) != 0; }

  /// Takes one token from `client`'s bucket (burst: one second's worth of queries).
  Verdict admit(const asio::ip::address& client, Clock::time_point now = Clock::now());

  std::size_t tracked() const;  ///< buckets held now (tests: the bound)

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point refilled{};
    std::uint32_t limited = 0;  ///< limited queries so far, for the slip count
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr std::size_t shard_count = 16;

  cache::HashKey key_;
  std::size_t per_shard_;
  std::atomic<std::uint32_t> rate_{0};
  std::atomic<std::uint32_t> slip_{0};
  std::array<Shard, shard_count> shards_;
};

/// The slip reply to `query`: its header and question, QR, TC and RA set, no records, so the
/// client asks again over TCP (a handshake a spoofed source cannot complete). False when the
/// query has no single readable question (then it is dropped like the rest).
bool slip_reply(std::span<const std::uint8_t> query, std::vector<std::uint8_t>& out);

}  // namespace tern::daemon
