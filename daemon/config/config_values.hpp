// Parsers and formatters for the value syntaxes of ternd.yaml (Unbound's where one exists).
// Pure functions over text: the settings table adds names, ranges and error locations.
#pragma once

#include "daemon/config/config.hpp"

#include <asio/ip/address.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <span>
#include <string_view>

namespace tern::daemon {

/// yes/no, true/false, on/off, any letter case.
std::optional<bool> parse_bool(std::string_view text);

/// A plain decimal number (no sign, no base prefix, no fraction); nullopt on overflow.
std::optional<std::uint64_t> parse_unsigned(std::string_view text);

/// Bytes with an optional 1024-based suffix k, m, g or t (any case, an optional trailing b),
/// as Unbound's memory sizes: "65536", "64m", "1g", "512kb". Nullopt when malformed or > 2^64.
std::optional<std::uint64_t> parse_size(std::string_view text);

/// The shortest exact form with a suffix: 64 MiB -> "64m", 1000 -> "1000".
std::string format_size(std::uint64_t bytes);

/// An IPv4 or IPv6 address (an IPv6 one may carry a %scope); nullopt when it is not one.
std::optional<asio::ip::address> parse_address(std::string_view text);

/// "ADDRESS[@PORT]", the port 1..65535 and `default_port` when absent (nullopt: the port is
/// required); the address must not be multicast. The colon forms pasted from other tools are
/// read too: "IPV4:PORT" and "[IPV6]:PORT" (an IPv6 address without brackets is all colons,
/// so its port can only follow '@'). Every ADDRESS@PORT setting goes through this one parser.
/// On failure returns nullopt and sets `error` to a message without location.
std::optional<ListenEndpoint> parse_listen_endpoint(std::string_view text, std::string& error,
                                                    std::optional<std::uint16_t> default_port = 53);

/// "ADDRESS@PORT", read back by parse_listen_endpoint to an equal endpoint.
std::string format_listen_endpoint(const ListenEndpoint& endpoint);

/// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate that `word` is most likely a typo of, for "did you mean": at most 3 edits
/// away and fewer edits than `word` has letters; a candidate that starts with a `word` of 3 or
/// more letters counts as one edit ("cache" for "cache-size"). "" when none is that close.
std::string_view closest_match(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace tern::daemon
