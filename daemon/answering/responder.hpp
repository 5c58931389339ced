// Turning an outcome into the bytes a client receives: header flags, the question echoed,
// EDNS (RFC 6891) with Extended DNS Errors (RFC 8914), and truncation to the client's size.
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/outcome.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace tern::daemon {

/// The largest response a client can take: 65535 over TCP; over UDP its EDNS size capped at
/// ours (RFC 6891 §6.2.5), or 512 without EDNS (RFC 1035 §4.2.1).
std::size_t max_response_size(const dns::Message& query, bool over_tcp, std::uint16_t our_edns_size);
/// The same from the pieces: whether the query had EDNS and the size it advertised.
std::size_t max_response_size(bool edns, std::uint16_t client_size, bool over_tcp, std::uint16_t our_edns_size);

/// A full response to `query` carrying `outcome`; TC=1 with empty sections when it does not
/// fit in max_size.
/// `extra_options` (raw EDNS option octets, e.g. a COOKIE) go into the OPT of EDNS responses.
std::vector<std::uint8_t> make_response(const dns::Message& query, const resolver::Outcome& outcome,
                                        std::size_t max_size, std::uint16_t our_edns_size,
                                        std::string_view extra_options = {});

/// An error response (FORMERR, NOTIMP, REFUSED, BADVERS ...) echoing the question, with an
/// Extended DNS Error (RFC 8914) for EDNS clients when `ede` is given.
std::vector<std::uint8_t> make_error(const dns::Message& query, std::uint16_t rcode,
                                     std::uint16_t our_edns_size,
                                     std::optional<std::uint16_t> ede = std::nullopt,
                                     std::string_view extra_options = {});

/// FORMERR for a packet whose header is readable but whose body is not: the header alone,
/// ID and opcode and RD copied, all counts zero. nullopt when shorter than a header.
std::optional<std::vector<std::uint8_t>> make_header_formerr(std::span<const std::uint8_t> packet);

}  // namespace tern::daemon
