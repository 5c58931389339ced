// DNSSEC canonical forms (RFC 4034 section 6): the canonical order of names, the canonical
// RDATA of a record, and the data an RRSIG signs (RFC 4034 section 3.1.8.1).
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/dnssec/name_order.hpp"
#include "resolver/dns/name.hpp"
#include "resolver/dnssec/records.hpp"

#include <compare>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tern::resolver::dnssec {

// canonical_compare (RFC 4034 section 6.1) lives in name_order.hpp, with the NSEC span tests.

/// The RDATA in canonical form (RFC 4034 section 6.2 item 3 as corrected by RFC 6840 section
/// 5.1): the domain names inside NS, MD, MF, CNAME, SOA, MB, MG, MR, PTR, MINFO, MX, RP, AFSDB,
/// RT, SIG, PX, NXT, NAPTR, KX, SRV, DNAME, A6 and RRSIG RDATA lower-cased; NSEC's next name
/// (and every other type's RDATA) kept as it is. nullopt when a name in it runs past the RDATA.
std::optional<std::string> canonical_rdata(std::uint16_t type, std::string_view rdata);

/// The owner name an RRSIG covers (RFC 4035 section 5.3.2): the owner itself, or for a
/// wildcard expansion (RRSIG labels below the owner's label count) "*." followed by the
/// owner's rightmost `labels` labels. nullopt when labels exceeds the owner's label count.
std::optional<dns::Name> signed_owner(const dns::Name& owner, std::uint8_t labels);

/// The octets the signature covers (RFC 4034 section 3.1.8.1): the RRSIG RDATA without the
/// signature, then every RR of the RRset in canonical form (owner per signed_owner, type,
/// class, the RRSIG's original TTL, canonical RDATA), ordered by canonical RDATA with
/// duplicates removed (RFC 4034 section 6.3). The records must be one RRset (the caller
/// checks owner, type and class). nullopt when a record's RDATA cannot be put in canonical
/// form or labels exceeds the owner's label count.
std::optional<std::string> signed_data(const Rrsig& sig, std::span<const dns::Record> rrset);

}  // namespace tern::resolver::dnssec
