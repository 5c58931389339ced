// Classification of a scrubbed authority reply: what the walk does next depends only on this.
// A pure function (Unbound: iter_resptype), unit-tested without any network.
#pragma once

#include "resolver/dns/message.hpp"

#include <string_view>
#include <vector>

namespace tern::resolver {

enum class ResponseKind {
  answer,    ///< the question's RRset (possibly after CNAMEs in the same reply)
  cname,     ///< CNAME(s) whose chain leaves the reply: continue at `target`
  referral,  ///< a delegation to `child_zone`, below the zone asked
  nxdomain,  ///< name does not exist (after any CNAMEs)
  nodata,    ///< name exists, no records of the type
  lame,      ///< not an answer this server may give: upward/sideways referral, empty non-AA
  rcode,     ///< SERVFAIL, REFUSED, FORMERR, NOTIMP or another error code
};
std::string_view to_string(ResponseKind k) noexcept;

/// What classify() found, and the records that back it.
struct Classification {
  ResponseKind kind = ResponseKind::lame;
  std::vector<dns::Record> chain;  ///< CNAMEs followed in order, then the final RRset (answer)
  dns::Name target;                ///< the name the chain ends at (the question's when no CNAME)
  dns::Name child_zone;            ///< referral: the delegated zone
  std::vector<dns::Record> ns;     ///< referral: the NS set of child_zone
  std::vector<dns::Record> glue;   ///< referral: addresses of NS names from the additional section
  std::vector<dns::Record> soa;    ///< nxdomain/nodata: the SOA from the authority section
  /// The RRSIGs of the answer section covering a record of `chain` (RFC 4035 §3.1.1), unless
  /// the question's type (RRSIG, ANY) already put them into the chain.
  std::vector<dns::Record> signatures;
  /// nxdomain/nodata/answer: the authority section's NSEC/NSEC3 records and the RRSIGs over
  /// them and over the SOA (RFC 4035 §3.1.3; an answer's prove a wildcard expansion); referral:
  /// the DS set of child_zone, or the NSEC/NSEC3 records proving it has none, and their RRSIGs.
  std::vector<dns::Record> proof;
};

/// Classifies `reply` (already scrubbed for `zone_cut`) to the question `asked`.
Classification classify(const dns::Message& reply, const dns::Question& asked,
                        const dns::Name& zone_cut);

}  // namespace tern::resolver
