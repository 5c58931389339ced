// Server cookies for clients (RFC 7873 §5.2, RFC 9018): version 1, three reserved octets, a
// 32-bit timestamp, and SipHash-2-4 over client cookie | version | reserved | timestamp |
// client address keyed with a server secret. The secret is shared by every worker (a client
// may land on any of them) and rotated every cookie-secret-rotation seconds and on reload; a
// cookie made with the previous secret is still accepted, so rotation never invalidates the
// cookies of clients that talked to us recently.
#pragma once

#include "cache/keyed_hash.hpp"
#include "resolver/dns/cookie.hpp"

#include <asio/ip/address.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace tern::daemon {

/// RFC 9018 §4.3: a timestamp more than an hour old or more than five minutes ahead makes the
/// cookie invalid; one older than half an hour is replaced by a fresh cookie.
inline constexpr std::int64_t cookie_max_age_s = 3600;
inline constexpr std::int64_t cookie_max_future_s = 300;
inline constexpr std::int64_t cookie_renew_age_s = 1800;

/// The current and previous secrets. Read on the hot path of every worker without a lock:
/// each key half is an atomic, and a rotation writes the slot that is NOT current before
/// publishing it, so a reader sees the current key whole. (A reader racing a rotation may see
/// a torn previous key; the cookie it checks is then invalid and the client simply gets a
/// new one.)
class CookieSecrets {
 public:
  struct Keys {
    cache::HashKey current;
    cache::HashKey previous;
  };

  CookieSecrets(std::chrono::seconds rotation, std::int64_t now_s);
  /// A new current secret; the current one becomes the previous.
  void rotate(std::int64_t now_s);
  void set_rotation(std::chrono::seconds rotation) { rotation_s_.store(rotation.count(), std::memory_order_relaxed); }
  /// The secrets at `now_s` (Unix seconds), rotating first when the interval has passed:
  /// the timer is the traffic itself, so an idle daemon does no work.
  Keys keys(std::int64_t now_s);

 private:
  cache::HashKey load(unsigned slot) const;
  std::atomic<std::uint64_t> slots_[2][2]{};
  std::atomic<unsigned> generation_{0};  ///< slots_[generation % 2] is current
  std::atomic<std::int64_t> next_rotation_s_{0};
  std::atomic<std::int64_t> rotation_s_{0};
};

/// The 16-octet RFC 9018 server cookie for this client cookie and address at `now_s`.
std::string make_server_cookie(const cache::HashKey& key, std::string_view client_cookie,
                               const asio::ip::address& client, std::int64_t now_s);

enum class ServerCookieCheck { invalid, valid, valid_renew };

/// Whether `server_cookie` is one we made for this client (with either secret) and within the
/// RFC 9018 time window; valid_renew when it is valid but older than half an hour.
ServerCookieCheck check_server_cookie(const CookieSecrets::Keys& keys, std::string_view client_cookie,
                                      std::string_view server_cookie, const asio::ip::address& client,
                                      std::int64_t now_s);

/// The COOKIE option for our response to a query carrying `cookie`, into `out` (its capacity
/// reused): a valid recent server cookie is echoed as it came, anything else (none, invalid,
/// old) gets a fresh one.
void answer_cookie(CookieSecrets& secrets, const dns::CookieOption& cookie, const asio::ip::address& client,
                   std::int64_t now_s, std::string& out);

/// Unix seconds, for the functions above.
std::int64_t unix_now();

}  // namespace tern::daemon
