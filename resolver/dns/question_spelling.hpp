// Keeping the client's spelling of the question out of the other names of a response. The
// daemon copies the client's own bytes of the question name over the question of a response
// (0x20-randomising clients compare it octet for octet, RFC 5452 §9.4). ldns, like Unbound,
// compresses every later name against the question and its suffixes, so that copy would also
// respell every name that points into it: for WWW.EXAMPLE.LAB, "mail.EXAMPLE.LAB." in an MX,
// "EXAMPLE.LAB." as the SOA owner (issue 17). Re-encoded here, a response's names point at the
// question only when they are the whole question name (owner names of the answer keep the
// client's case, as Unbound's do); suffixes are written out once and compressed against that.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tern::dns {

/// `wire` (a checked message) re-encoded so that no compression pointer targets a proper
/// suffix of the first question name; nullopt when the message does not pass check_message
/// or has no single question (names past offset 0x3FFF are written out, never pointed at).
/// Names are lower-cased, as tern holds them. Names in RDATA
/// are compressed only for the RFC 1035 types (RFC 3597 §4); other RDATA is copied.
std::optional<std::vector<std::uint8_t>> spare_question_suffixes(std::span<const std::uint8_t> wire);

}  // namespace tern::dns
