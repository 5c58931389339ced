// The second-level cache as the walk sees it (ARCHITECTURE.md: L1 miss → L2 → walk): a store
// shared by a fleet of ternd, asked before walking and given what a walk learnt. The Redis
// client behind it (daemon/l2/) is the only implementation (tests/integration/redis_l2_test.cpp
// drives it against a real redis-server).
#pragma once

#include "cache/answer_cache.hpp"
#include "cache/l2_value.hpp"

#include <asio/awaitable.hpp>

#include <optional>

namespace tern::resolver {

class SecondLevelCache {
 public:
  virtual ~SecondLevelCache() = default;
  /// The checked value for `question`, or nullopt: a miss, an error, a timeout, the breaker
  /// open, or a value dropped by its checks. Never throws; waits at most the configured timeout.
  virtual asio::awaitable<std::optional<cache::L2Answer>> fetch(const dns::Question& question) = 0;
  /// Hands over the L1 entry just stored for `question` (a walk's answer: never SERVFAIL, a
  /// remembered failure or bogus data); does not wait for Redis.
  virtual void store(const dns::Question& question, const cache::CachedAnswer& entry) = 0;
};

}  // namespace tern::resolver
