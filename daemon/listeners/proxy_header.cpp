#include "daemon/listeners/proxy_header.hpp"

#include "resolver/input_limits.hpp"

#include <algorithm>

namespace tern::daemon {
namespace {

constexpr std::uint8_t version_2 = 0x2;
constexpr std::uint8_t command_local = 0x0;
constexpr std::uint8_t command_proxy = 0x1;
constexpr std::uint8_t family_unspec = 0x0;
constexpr std::uint8_t family_inet = 0x1;
constexpr std::uint8_t family_inet6 = 0x2;
constexpr std::uint8_t family_unix = 0x3;
constexpr std::uint8_t transport_stream = 0x1;
constexpr std::uint8_t transport_dgram = 0x2;
/// Source and destination addresses and ports (proxy-protocol.txt §2.2).
constexpr std::size_t inet_addresses = 12;
constexpr std::size_t inet6_addresses = 36;
constexpr std::size_t unix_addresses = 216;

}  // namespace

bool starts_with_proxy_v2(std::span<const std::uint8_t> data) noexcept {
  return data.size() >= proxy_v2_signature.size() &&
         std::equal(proxy_v2_signature.begin(), proxy_v2_signature.end(), data.begin());
}

std::size_t proxy_v2_declared_size(std::span<const std::uint8_t> data) noexcept {
  if (data.size() < proxy_v2_fixed_size || !starts_with_proxy_v2(data)) return 0;
  return proxy_v2_fixed_size + (static_cast<std::size_t>(data[14]) << 8 | data[15]);
}

ProxyParse parse_proxy_v2(std::span<const std::uint8_t> data, ProxyHeader& header) noexcept {
  if (data.size() < proxy_v2_signature.size())
    return std::equal(data.begin(), data.end(), proxy_v2_signature.begin()) && !data.empty()
               ? ProxyParse::incomplete
               : ProxyParse::not_proxy;
  if (!starts_with_proxy_v2(data)) return ProxyParse::not_proxy;
  if (data.size() < proxy_v2_fixed_size) return ProxyParse::incomplete;
  const std::uint8_t version = data[12] >> 4, command = data[12] & 0x0F;
  const std::uint8_t family = data[13] >> 4, transport = data[13] & 0x0F;
  if (version != version_2 || (command != command_local && command != command_proxy)) return ProxyParse::malformed;
  const std::size_t size = proxy_v2_declared_size(data);
  if (size > resolver::limits::max_proxy_header_bytes) return ProxyParse::too_long;
  if (data.size() < size) return ProxyParse::incomplete;
  const std::size_t body = size - proxy_v2_fixed_size;
  ProxyHeader parsed;
  parsed.size = size;
  parsed.stream = transport == transport_stream;
  std::size_t addresses = 0;
  if (family == family_inet) addresses = inet_addresses;
  else if (family == family_inet6) addresses = inet6_addresses;
  else if (family == family_unix) addresses = unix_addresses;
  else if (family != family_unspec) return ProxyParse::malformed;
  if (body < addresses) return ProxyParse::malformed;
  // A PROXY command names a real client over TCP or UDP; anything else is a balancer's own
  // connection (LOCAL) or an address ternd cannot answer to (UNIX, UNSPEC).
  const bool ip = family == family_inet || family == family_inet6;
  if (command == command_proxy && ip) {
    if (transport != transport_stream && transport != transport_dgram) return ProxyParse::malformed;
    const std::size_t length = family == family_inet ? 4 : 16;
    const auto* at = data.data() + proxy_v2_fixed_size;
    std::copy(at, at + length, parsed.source.begin());
    parsed.source_port = static_cast<std::uint16_t>(at[2 * length] << 8 | at[2 * length + 1]);
    parsed.ipv6 = family == family_inet6;
    parsed.has_source = true;
  }
  // TLVs: type, 2-octet length, value; each must end inside the header.
  std::size_t at = proxy_v2_fixed_size + addresses;
  while (at < size) {
    if (size - at < 3) return ProxyParse::malformed;
    const std::size_t length = static_cast<std::size_t>(data[at + 1]) << 8 | data[at + 2];
    if (size - at - 3 < length) return ProxyParse::malformed;
    at += 3 + length;
  }
  header = parsed;
  return ProxyParse::ok;
}

}  // namespace tern::daemon
