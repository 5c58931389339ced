// The client's spelling of its question name, kept in responses built from the canonical
// (lower-cased) name: 0x20-randomising clients compare it octet for octet. Shared by the
// handler and its response-policy part (query_handler.cpp defines them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tern::daemon {

/// The client's question name as written in its packet, when it is written in place and is
/// `name_length` octets long; empty when written as a compression pointer.
std::span<const std::uint8_t> client_qname(std::span<const std::uint8_t> query, std::size_t name_length);

/// `response` with the client's spelling of the question name put back (see client_qname).
std::vector<std::uint8_t> with_client_case(std::vector<std::uint8_t> response,
                                           std::span<const std::uint8_t> query, std::size_t name_length);

}  // namespace tern::daemon
