// DNAME (RFC 6672): the substitution a DNAME makes and the CNAME it synthesises. Used where a
// reply is scrubbed and classified (the DNAME beside a server's CNAME is what is believed,
// §3.2) and where the walk answers from a cached DNAME.
#pragma once

#include "resolver/dns/message.hpp"

#include <optional>

namespace tern::resolver {

/// RFC 6672 §2.2: `name` with the DNAME's owner, a proper suffix of it, replaced by the
/// DNAME's target. nullopt when `name` is not strictly below the owner, the DNAME's data is
/// no name, or the result would be longer than 255 octets (the server's YXDOMAIN).
std::optional<dns::Name> dname_substitute(const dns::Name& name, const dns::Record& dname);

/// The CNAME from `name` to `target` that `dname` synthesises: the DNAME's class and TTL
/// (§3.1: the CNAME's TTL is the DNAME's, whatever the server put in its own).
dns::Record synthesised_cname(const dns::Name& name, const dns::Name& target, const dns::Record& dname);

}  // namespace tern::resolver
