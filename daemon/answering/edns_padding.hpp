// EDNS(0) padding (RFC 7830) of responses over encrypted transports, by the block-length
// policy of RFC 8467 §4.1: a server pads its response only when the query was padded, to a
// multiple of 468 octets, so that sizes leak less about which name was asked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tern::daemon {

/// RFC 8467 §4.1: the recommended block length for responses.
inline constexpr std::size_t padding_block_size = 468;
/// RFC 7830: the option code of Padding.
inline constexpr std::uint16_t edns_padding_option = 12;

/// True when `query` is a well-formed message whose OPT record carries a Padding option.
bool query_asks_for_padding(std::span<const std::uint8_t> query);

/// Appends a Padding option to the OPT record of `response` (which must be its last record) so
/// that its length becomes a multiple of `block`. Leaves a response without OPT, with OPT not
/// last, or that would grow past 65535 octets unchanged and returns false.
bool pad_response(std::vector<std::uint8_t>& response, std::size_t block);

}  // namespace tern::daemon
