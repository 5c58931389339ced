#include "resolver/dns/cookie.hpp"

namespace tern::dns {

CookieParse find_cookie(std::string_view options, CookieOption& out) {
  CookieParse found = CookieParse::absent;
  std::size_t at = 0;
  while (at < options.size()) {
    if (options.size() - at < 4) return CookieParse::malformed;
    const auto octet = [&](std::size_t i) { return static_cast<std::uint8_t>(options[at + i]); };
    const std::uint16_t code = static_cast<std::uint16_t>(octet(0) << 8 | octet(1));
    const std::size_t length = static_cast<std::size_t>(octet(2) << 8 | octet(3));
    if (options.size() - at - 4 < length) return CookieParse::malformed;
    if (code == edns_option_cookie) {
      const std::size_t server = length - client_cookie_size;
      if (found != CookieParse::absent || length < client_cookie_size ||
          (server != 0 && (server < min_server_cookie_size || server > max_server_cookie_size)))
        return CookieParse::malformed;
      out.client = options.substr(at + 4, client_cookie_size);
      out.server = options.substr(at + 4 + client_cookie_size, server);
      found = CookieParse::ok;
    }
    at += 4 + length;
  }
  return found;
}

std::string cookie_option(std::string_view client, std::string_view server) {
  const std::size_t length = client.size() + server.size();
  std::string out;
  out.reserve(4 + length);
  out += static_cast<char>(edns_option_cookie >> 8);
  out += static_cast<char>(edns_option_cookie & 0xff);
  out += static_cast<char>(length >> 8);
  out += static_cast<char>(length & 0xff);
  out += client;
  out += server;
  return out;
}

}  // namespace tern::dns
