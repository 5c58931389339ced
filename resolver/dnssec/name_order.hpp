// DNSSEC canonical name order (RFC 4034 section 6.1): names sorted by their labels from the
// right, each label compared as a string of octets with upper case folded. NSEC chains are
// sorted this way, so "covers" (RFC 4035 section 5.4) is an interval test in this order.
#pragma once

#include "resolver/dns/name.hpp"

#include <compare>

namespace tern::resolver::dnssec {

/// Compares two names in canonical order. tern names are lower-cased already (name.hpp), so
/// labels compare as raw octets: "example" < "a.example" < "yljkjljk.a.example" < "z.a.example".
std::strong_ordering canonical_compare(const dns::Name& a, const dns::Name& b) noexcept;

inline bool canonical_less(const dns::Name& a, const dns::Name& b) noexcept {
  return canonical_compare(a, b) < 0;
}

/// True when `name` lies strictly inside the NSEC span from `owner` to `next` in canonical
/// order. A span whose next name is not after its owner is the zone's last NSEC (RFC 4034
/// section 4.1.1: its next name is the apex), and wraps around: it covers every name after
/// owner, and every name before next. A span with owner == next (a zone of one name) covers
/// every other name.
bool canonical_span_covers(const dns::Name& owner, const dns::Name& next,
                           const dns::Name& name) noexcept;

/// The longest name that both a and b are equal to or below (RFC 4035 section 5.4 derives the
/// closest encloser from the owner and next names of the covering NSEC with it).
dns::Name common_ancestor(const dns::Name& a, const dns::Name& b);

}  // namespace tern::resolver::dnssec
