#include "daemon/config/config_values.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <numeric>
#include <vector>

namespace tern::daemon {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::optional<bool> parse_bool(std::string_view text) {
  std::string word = lower(text);
  if (word == "yes" || word == "true" || word == "on") return true;
  if (word == "no" || word == "false" || word == "off") return false;
  return std::nullopt;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(),
                                   [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  auto [end, rc] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (rc != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::string word = lower(text);
  if (word.size() > 1 && word.back() == 'b' && std::isalpha(static_cast<unsigned char>(
                                                   word[word.size() - 2])) != 0) {
    word.pop_back();  // "64mb" is Unbound's spelling too
  }
  unsigned shift = 0;
  if (!word.empty()) {
    switch (word.back()) {
      case 'k': shift = 10; break;
      case 'm': shift = 20; break;
      case 'g': shift = 30; break;
      case 't': shift = 40; break;
      default: break;
    }
  }
  if (shift != 0) word.pop_back();
  auto number = parse_unsigned(word);
  if (!number || (shift != 0 && *number > (UINT64_MAX >> shift))) return std::nullopt;
  return *number << shift;
}

std::string format_size(std::uint64_t bytes) {
  static constexpr std::pair<unsigned, char> units[] = {{40, 't'}, {30, 'g'}, {20, 'm'}, {10, 'k'}};
  for (auto [shift, suffix] : units) {
    std::uint64_t unit = std::uint64_t{1} << shift;
    if (bytes != 0 && bytes % unit == 0) return std::to_string(bytes / unit) + suffix;
  }
  return std::to_string(bytes);
}

std::optional<asio::ip::address> parse_address(std::string_view text) {
  std::error_code ec;
  auto address = asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return address;
}

namespace {

/// An endpoint's text cut into its address and port (absent when none is written).
struct HostAndPort {
  std::string_view host;
  std::optional<std::string_view> port;
};

/// ADDRESS@PORT (as Unbound writes it), else [IPV6]:PORT, else IPV4:PORT (one colon only:
/// an IPv6 address has two or more), else the whole text is the address.
HostAndPort split_endpoint(std::string_view text) {
  if (auto at = text.rfind('@'); at != std::string_view::npos) return {text.substr(0, at), text.substr(at + 1)};
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close != std::string_view::npos && close + 1 < text.size() && text[close + 1] == ':')
      return {text.substr(1, close - 1), text.substr(close + 2)};
    return {text, std::nullopt};  // "[::1]" alone or malformed: reported as not an address
  }
  if (auto colon = text.find(':'); colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos)
    return {text.substr(0, colon), text.substr(colon + 1)};
  return {text, std::nullopt};
}

}  // namespace

std::optional<ListenEndpoint> parse_listen_endpoint(std::string_view text, std::string& error,
                                                    std::optional<std::uint16_t> default_port) {
  const HostAndPort parts = split_endpoint(text);
  auto address = parse_address(parts.host);
  if (!address) {
    error = "'" + std::string(parts.host) + "' is not an IP address (expected ADDRESS[@PORT])";
    return std::nullopt;
  }
  if (address->is_multicast()) {
    error = "'" + std::string(parts.host) + "' is a multicast address";
    return std::nullopt;
  }
  if (!parts.port && !default_port) {
    error = "'" + std::string(text) + "' needs a port: " +
            (address->is_v6() ? "ADDRESS@PORT or [ADDRESS]:PORT, e.g. ::1@9153" : "ADDRESS@PORT, e.g. 127.0.0.1@9153");
    return std::nullopt;
  }
  ListenEndpoint endpoint{*address, default_port.value_or(0)};
  if (parts.port) {
    auto port = parse_unsigned(*parts.port);
    if (!port || *port < 1 || *port > 65535) {
      error = "bad port '" + std::string(*parts.port) + "' (1..65535)";
      return std::nullopt;
    }
    endpoint.port = static_cast<std::uint16_t>(*port);
  }
  return endpoint;
}

std::string format_listen_endpoint(const ListenEndpoint& endpoint) {
  return endpoint.address.to_string() + "@" + std::to_string(endpoint.port);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string_view closest_match(std::string_view word, std::span<const std::string_view> candidates) {
  std::string_view best;
  std::size_t best_distance = 4;  // farther than 3 edits is not a typo
  for (std::string_view candidate : candidates) {
    std::size_t distance = edit_distance(word, candidate);
    if (word.size() >= 3 && candidate.starts_with(word)) distance = 1;  // "cache"
    if (distance < best_distance && distance < word.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace tern::daemon
