// The EDNS COOKIE option (RFC 7873 §4): an 8-octet client cookie, optionally followed by an
// 8..32-octet server cookie. Parsing and building only; the secrets and MACs that make the
// cookies live with their users (resolver/client_cookies, daemon/server_cookies).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tern::dns {

inline constexpr std::uint16_t edns_option_cookie = 10;
inline constexpr std::size_t client_cookie_size = 8;
inline constexpr std::size_t min_server_cookie_size = 8;
inline constexpr std::size_t max_server_cookie_size = 32;

/// A COOKIE option found in a message: views into the option octets it was parsed from.
struct CookieOption {
  std::string_view client;  ///< 8 octets
  std::string_view server;  ///< empty, or 8..32 octets
};

enum class CookieParse {
  absent,     ///< no COOKIE option
  ok,         ///< exactly one, well-formed
  malformed,  ///< a wrong length, two COOKIE options, or options running past their end:
              ///< RFC 7873 §5.2.2 says FORMERR
};

/// Looks for the COOKIE option in raw EDNS option octets (code, length, data)*.
CookieParse find_cookie(std::string_view options, CookieOption& out);

/// The option octets for a cookie: code 10, length, client then server cookie.
std::string cookie_option(std::string_view client, std::string_view server);

}  // namespace tern::dns
