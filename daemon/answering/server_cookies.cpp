#include "daemon/answering/server_cookies.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace tern::daemon {

namespace {

constexpr std::uint8_t cookie_version = 1;

void put32(char* at, std::uint32_t v) {
  at[0] = static_cast<char>(v >> 24);
  at[1] = static_cast<char>(v >> 16);
  at[2] = static_cast<char>(v >> 8);
  at[3] = static_cast<char>(v);
}

/// The 16-octet server cookie in a fixed buffer: version, reserved, timestamp, then the hash of
/// client cookie | those 8 octets | address. No allocation: this runs on the cache-hit path.
using CookieBytes = std::array<char, 16>;
CookieBytes cookie_with_timestamp(const cache::HashKey& key, std::string_view client_cookie,
                                  const asio::ip::address& client, std::uint32_t timestamp) {
  CookieBytes out{};
  out[0] = static_cast<char>(cookie_version);
  put32(out.data() + 4, timestamp);
  std::array<char, dns::client_cookie_size + 8 + 16> input{};
  std::size_t n = 0;
  const std::size_t client_part = std::min(client_cookie.size(), dns::client_cookie_size);
  std::memcpy(input.data(), client_cookie.data(), client_part);
  n += client_part;
  std::memcpy(input.data() + n, out.data(), 8);
  n += 8;
  if (client.is_v4()) {
    const auto b = client.to_v4().to_bytes();
    std::memcpy(input.data() + n, b.data(), b.size());
    n += b.size();
  } else {
    const auto b = client.to_v6().to_bytes();
    std::memcpy(input.data() + n, b.data(), b.size());
    n += b.size();
  }
  const std::uint64_t hash = cache::siphash24(key, std::string_view(input.data(), n));
  for (int i = 0; i < 8; ++i) out[8 + i] = static_cast<char>(hash >> (8 * i));  // little-endian, as SipHash's reference
  return out;
}

std::string_view view(const CookieBytes& b) { return std::string_view(b.data(), b.size()); }

/// Comparison in time independent of where the first difference is.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

CookieSecrets::CookieSecrets(std::chrono::seconds rotation, std::int64_t now_s) {
  rotation_s_.store(rotation.count());
  rotate(now_s);
  rotate(now_s);  // both slots random: "previous" must not be the all-zero key
}

void CookieSecrets::rotate(std::int64_t now_s) {
  const cache::HashKey fresh = cache::random_hash_key();
  const unsigned next = (generation_.load(std::memory_order_acquire) + 1) % 2;
  slots_[next][0].store(fresh.k0, std::memory_order_relaxed);
  slots_[next][1].store(fresh.k1, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  next_rotation_s_.store(now_s + rotation_s_.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

cache::HashKey CookieSecrets::load(unsigned slot) const {
  return cache::HashKey{slots_[slot][0].load(std::memory_order_relaxed), slots_[slot][1].load(std::memory_order_relaxed)};
}

CookieSecrets::Keys CookieSecrets::keys(std::int64_t now_s) {
  std::int64_t due = next_rotation_s_.load(std::memory_order_relaxed);
  // One thread wins the exchange and rotates; the others go on with the keys as they are.
  if (now_s >= due && next_rotation_s_.compare_exchange_strong(due, now_s + rotation_s_.load(std::memory_order_relaxed)))
    rotate(now_s);
  const unsigned current = generation_.load(std::memory_order_acquire) % 2;
  return Keys{load(current), load(1 - current)};
}

std::string make_server_cookie(const cache::HashKey& key, std::string_view client_cookie,
                               const asio::ip::address& client, std::int64_t now_s) {
  return std::string(view(cookie_with_timestamp(key, client_cookie, client, static_cast<std::uint32_t>(now_s))));
}

ServerCookieCheck check_server_cookie(const CookieSecrets::Keys& keys, std::string_view client_cookie,
                                      std::string_view server_cookie, const asio::ip::address& client,
                                      std::int64_t now_s) {
  if (server_cookie.size() != 16 || static_cast<std::uint8_t>(server_cookie[0]) != cookie_version)
    return ServerCookieCheck::invalid;
  std::uint32_t timestamp = 0;
  for (int i = 4; i < 8; ++i) timestamp = timestamp << 8 | static_cast<std::uint8_t>(server_cookie[i]);
  // Serial number arithmetic (RFC 1982): the 32-bit timestamp wraps in 2106.
  const auto ahead = static_cast<std::int32_t>(timestamp - static_cast<std::uint32_t>(now_s));
  if (ahead > cookie_max_future_s || ahead < -cookie_max_age_s) return ServerCookieCheck::invalid;
  for (const cache::HashKey& key : {keys.current, keys.previous})
    if (same(server_cookie, view(cookie_with_timestamp(key, client_cookie, client, timestamp))))
      return ahead < -cookie_renew_age_s ? ServerCookieCheck::valid_renew : ServerCookieCheck::valid;
  return ServerCookieCheck::invalid;
}

void answer_cookie(CookieSecrets& secrets, const dns::CookieOption& cookie, const asio::ip::address& client,
                   std::int64_t now_s, std::string& out) {
  const CookieSecrets::Keys keys = secrets.keys(now_s);
  std::string_view server = cookie.server;
  CookieBytes fresh;
  if (server.empty() || check_server_cookie(keys, cookie.client, server, client, now_s) != ServerCookieCheck::valid) {
    fresh = cookie_with_timestamp(keys.current, cookie.client, client, static_cast<std::uint32_t>(now_s));
    server = view(fresh);
  }
  // The option: code 10, length, client then server cookie (assign keeps out's capacity).
  const std::size_t length = cookie.client.size() + server.size();
  const char head[4] = {0, static_cast<char>(dns::edns_option_cookie), 0, static_cast<char>(length)};
  out.assign(head, 4);
  out.append(cookie.client);
  out.append(server);
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace tern::daemon
