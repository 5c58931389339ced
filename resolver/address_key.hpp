// The key of an IP address in tern's tables: the infra cache (server RTTs and backoff), the
// client cookie sent to a server, the ip-ratelimit buckets of clients.
#pragma once

#include <asio/ip/address.hpp>

#include <algorithm>
#include <string>

namespace tern::resolver {

/// The address's network-order octets: 4 for IPv4, 16 for IPv6. An IPv4-mapped IPv6 address
/// (::ffff:a.b.c.d, a v4 peer on a dual-stack socket) is the IPv4 host it maps: one key per host.
inline std::string address_key(const asio::ip::address& address) {
  if (address.is_v4()) {
    const auto b = address.to_v4().to_bytes();
    return std::string(b.begin(), b.end());
  }
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) {
    const auto b = asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes();
    return std::string(b.begin(), b.end());
  }
  const auto b = v6.to_bytes();
  return std::string(b.begin(), b.end());
}

/// The text form of a key address_key made ("192.0.2.1", "2001:db8::1"); "?" for any other
/// length. For what shows the infra cache (ternctl infra, the status page).
inline std::string address_key_text(const std::string& key) {
  if (key.size() == 4) {
    asio::ip::address_v4::bytes_type b;
    std::copy(key.begin(), key.end(), b.begin());
    return asio::ip::address_v4(b).to_string();
  }
  if (key.size() == 16) {
    asio::ip::address_v6::bytes_type b;
    std::copy(key.begin(), key.end(), b.begin());
    return asio::ip::address_v6(b).to_string();
  }
  return "?";
}

}  // namespace tern::resolver
