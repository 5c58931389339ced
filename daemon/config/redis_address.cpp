#include "daemon/config/redis_address.hpp"

#include <asio/ip/address.hpp>

#include <charconv>

namespace tern::daemon {

std::string parse_redis_address(const std::string& text, RedisAddress& out) {
  out = RedisAddress{};
  if (text.empty()) return "empty";
  if (text.front() == '/') {
    // sockaddr_un holds 108 octets with the terminating NUL.
    if (text.size() > 107) return "unix socket path longer than 107 characters";
    out.unix_path = text;
    return {};
  }
  std::string host = text;
  if (auto at = text.rfind('@'); at != std::string::npos) {
    host = text.substr(0, at);
    const std::string port = text.substr(at + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return "bad port '" + port + "' (1-65535)";
    out.port = static_cast<std::uint16_t>(value);
  }
  std::error_code ec;
  asio::ip::make_address(host, ec);
  // An address, never a host name: resolving one would block the worker (getaddrinfo).
  if (ec) return "'" + host + "' is not an IP address (or a unix socket path beginning with /)";
  out.host = host;
  return {};
}

}  // namespace tern::daemon
