// The second-level cache in Redis, one per worker: lookups before a walk and stores after it
// (resolver/second_level.hpp), with a timeout on each lookup and a circuit breaker in front,
// and the flushes of ternctl. What Redis returns is untrusted: cache/l2_value.hpp checks it.
#pragma once

#include "cache/keyed_hash.hpp"
#include "daemon/config/redis_address.hpp"
#include "daemon/l2/circuit_breaker.hpp"
#include "daemon/l2/redis_connection.hpp"
#include "resolver/resolver.hpp"
#include "resolver/second_level.hpp"

#include <asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace tern::daemon {

/// The redis-* settings as a worker's client uses them.
struct RedisL2Settings {
  RedisAddress address;
  std::chrono::milliseconds timeout{50};
  cache::HashKey key;                     ///< from redis-key-secret (cache::l2_secret_key)
  unsigned breaker_failures = 3;
  std::chrono::milliseconds breaker_backoff{1000};
};

/// What a flush removes from Redis (ternctl cache flush, flush-zone, flush-all).
struct L2FlushRequest {
  dns::Name name;
  std::optional<std::uint16_t> type;  ///< flush NAME TYPE: that question only
  bool below = false;                 ///< flush-zone: every name at or below `name`
  bool all = false;                   ///< flush-all
};

class RedisL2 final : public resolver::SecondLevelCache {
 public:
  /// `stale_grace`: seconds a value outlives its TTL in Redis (serve-stale-max when
  /// serve-stale is on, else 0), read at each store.
  RedisL2(asio::io_context& io, RedisL2Settings settings, resolver::ResolverStats& stats,
          const std::atomic<std::uint32_t>& stale_grace);

  asio::awaitable<std::optional<cache::L2Answer>> fetch(const dns::Question& question) override;
  void store(const dns::Question& question, const cache::CachedAnswer& entry) override;
  /// Removes what `request` names from Redis; the text says how many keys (or what failed).
  /// Reads each value for a name (key names reveal nothing), in batches (l2_limits).
  asio::awaitable<std::string> flush(L2FlushRequest request);

 private:
  void note_success();
  void note_failure();
  static void store_done(void* self, bool ok);

  RedisL2Settings settings_;
  resolver::ResolverStats& stats_;
  const std::atomic<std::uint32_t>& stale_grace_;
  CircuitBreaker breaker_;
  RedisConnection connection_;  // last: its pending callbacks run in its destructor, using the above
};

}  // namespace tern::daemon
