// The redis-server setting's value: where the fleet's second-level cache is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tern::daemon {

/// The shortest redis-key-secret accepted, in characters: as many as the SipHash key has
/// octets (`openssl rand -hex 16` gives 32).
inline constexpr std::size_t min_redis_key_secret = 16;

/// Where Redis is: a unix socket path, or an address and port.
struct RedisAddress {
  std::string unix_path;  ///< non-empty: connect here
  std::string host;       ///< an IPv4 or IPv6 address (never a name: resolving one would block)
  std::uint16_t port = 6379;
};

/// Parses a path beginning with '/', or ADDRESS[@PORT] (port 6379 when left out). Returns ""
/// and fills `out`, or says what is wrong.
std::string parse_redis_address(const std::string& text, RedisAddress& out);

}  // namespace tern::daemon
