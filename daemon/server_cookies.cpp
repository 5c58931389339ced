#include "daemon/server_cookies.hpp"

namespace tern::daemon {

namespace {

constexpr std::uint8_t cookie_version = 1;

void put32(std::string& out, std::uint32_t v) {
  out += static_cast<char>(v >> 24);
  out += static_cast<char>(v >> 16);
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}

std::string address_octets(const asio::ip::address& a) {
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    return std::string(b.begin(), b.end());
  }
  auto b = a.to_v6().to_bytes();
  return std::string(b.begin(), b.end());
}

/// Version, reserved and timestamp (8 octets), then the hash of client cookie | those | address.
std::string cookie_with_timestamp(const cache::HashKey& key, std::string_view client_cookie,
                                  const asio::ip::address& client, std::uint32_t timestamp) {
  std::string head;
  head += static_cast<char>(cookie_version);
  head.append(3, '\0');
  put32(head, timestamp);
  std::string input(client_cookie);
  input += head;
  input += address_octets(client);
  const std::uint64_t hash = cache::siphash24(key, input);
  for (int i = 0; i < 8; ++i) head += static_cast<char>(hash >> (8 * i));  // little-endian, as SipHash's reference
  return head;
}

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
  return cookie_with_timestamp(key, client_cookie, client, static_cast<std::uint32_t>(now_s));
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
    if (same(server_cookie, cookie_with_timestamp(key, client_cookie, client, timestamp)))
      return ahead < -cookie_renew_age_s ? ServerCookieCheck::valid_renew : ServerCookieCheck::valid;
  return ServerCookieCheck::invalid;
}

std::string answer_cookie(CookieSecrets& secrets, const dns::CookieOption& cookie,
                          const asio::ip::address& client, std::int64_t now_s) {
  const CookieSecrets::Keys keys = secrets.keys(now_s);
  if (!cookie.server.empty() &&
      check_server_cookie(keys, cookie.client, cookie.server, client, now_s) == ServerCookieCheck::valid)
    return dns::cookie_option(cookie.client, cookie.server);
  return dns::cookie_option(cookie.client, make_server_cookie(keys.current, cookie.client, client, now_s));
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace tern::daemon
