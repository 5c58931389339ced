// Scrubbing: what of an authority's reply tern is willing to believe, before it is classified
// or cached. A pure function over a parsed message (no I/O), like Unbound's iter_scrub.
#pragma once

#include "resolver/dns/message.hpp"

#include <cstddef>

namespace tern::resolver {

/// Removes from `reply` every record that the server queried for `zone_cut` has no authority
/// to speak for (owner outside the zone: "out of bailiwick", the Kaminsky-era poisoning vector),
/// answer records off the CNAME chain that starts at the question, authority records other
/// than NS/SOA/DS above the answered name and in-zone NSEC/NSEC3 proofs, RRSIGs that cover no
/// RRset kept in their section (same owner, covered type), and additional records other than addresses of the
/// kept NS names (RFC 2181 §5.4.1: glue is believed only for the delegation it serves).
/// Returns how many records were removed.
std::size_t scrub(dns::Message& reply, const dns::Question& asked, const dns::Name& zone_cut);

}  // namespace tern::resolver
