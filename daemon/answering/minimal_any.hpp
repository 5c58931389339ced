// RFC 8482: an ANY query gets one RRset, never every type of the name. tern answers from the
// answer cache when it holds a live answer for one of a few common types of the name, and
// otherwise resolves the A type (one walk, cached under A as usual); a name that exists
// without A records gets the synthesised HINFO of RFC 8482 §4.2, so that the answer is never
// an empty NOERROR that a client might take for "the name has nothing".
#pragma once

#include "resolver/outcome.hpp"

#include <array>
#include <cstdint>

namespace tern::daemon {

/// The types whose cached answers may stand for an ANY answer, most useful first.
inline constexpr std::array<std::uint16_t, 6> minimal_any_cached_types{
    dns::rrtype::A, dns::rrtype::AAAA, dns::rrtype::MX, dns::rrtype::TXT, dns::rrtype::NS, dns::rrtype::SOA};
/// The type resolved when the cache has none of them.
inline constexpr std::uint16_t minimal_any_resolved_type = dns::rrtype::A;

/// Turns the outcome of resolving (name, minimal_any_resolved_type) into the ANY answer:
/// unchanged when it has records, NXDOMAIN or failed; a NODATA becomes the HINFO "RFC8482" ""
/// RRset at `name` (TTL: the SOA's, as the negative answer would have lived).
resolver::Outcome minimal_any_outcome(resolver::Outcome resolved, const dns::Name& name);

}  // namespace tern::daemon
