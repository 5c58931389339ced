#include "resolver/scrub.hpp"

#include "resolver/dname.hpp"
#include "resolver/limits.hpp"

#include <algorithm>
#include <vector>

namespace tern::resolver {

namespace {

template <class Keep>
std::size_t keep_only(std::vector<dns::Record>& section, Keep keep) {
  auto before = section.size();
  std::erase_if(section, [&](const dns::Record& r) { return !keep(r); });
  return before - section.size();
}

/// The in-zone DNAME of the answer section that applies to `name` (its owner a proper suffix
/// of it; the deepest one), or null.
const dns::Record* dname_over(const dns::Message& reply, const dns::Name& name, const dns::Question& asked,
                              const dns::Name& zone_cut) {
  const dns::Record* best = nullptr;
  for (const auto& r : reply.answer)
    if (r.type == dns::rrtype::DNAME && r.klass == asked.klass && r.owner.is_subdomain_of(zone_cut) &&
        r.owner != name && name.is_subdomain_of(r.owner) &&
        (!best || r.owner.label_count() > best->owner.label_count()))
      best = &r;
  return best;
}

/// The names of the CNAME chain starting at the question, as far as in-zone CNAMEs and DNAMEs
/// reach. A DNAME over a name decides where it leads, whatever CNAME the server put beside it
/// (RFC 6672 §3.2 has the resolver synthesise the CNAME itself).
std::vector<dns::Name> chain_names(const dns::Message& reply, const dns::Question& asked,
                                   const dns::Name& zone_cut) {
  std::vector<dns::Name> names{asked.name};
  for (unsigned hop = 0; hop < limits::max_cname_hops; ++hop) {
    if (const dns::Record* dname = dname_over(reply, names.back(), asked, zone_cut)) {
      auto target = dname_substitute(names.back(), *dname);
      if (!target || std::find(names.begin(), names.end(), *target) != names.end()) break;
      names.push_back(*target);
      continue;
    }
    auto link = std::find_if(reply.answer.begin(), reply.answer.end(), [&](const dns::Record& r) {
      // The same test as the answer section's scrub below (class included): a CNAME that
      // scrub removes must not extend the chain, or the records it led to would stay orphaned.
      return r.type == dns::rrtype::CNAME && r.owner == names.back() && r.klass == asked.klass &&
             r.owner.is_subdomain_of(zone_cut);
    });
    if (link == reply.answer.end()) break;
    auto target = dns::rdata_target(*link);
    if (!target || std::find(names.begin(), names.end(), *target) != names.end()) break;
    names.push_back(*target);
  }
  return names;
}

/// Keeps, of a section's RRSIGs, those covering an RRset that scrub kept in it: same owner,
/// covered type present (RFC 4035 §3.1.1). A signature over something removed goes with it.
std::size_t keep_covering_signatures(std::vector<dns::Record>& section) {
  std::vector<std::pair<dns::Name, std::uint16_t>> kept;
  for (const auto& r : section)
    if (r.type != dns::rrtype::RRSIG) kept.emplace_back(r.owner, r.type);
  return keep_only(section, [&](const dns::Record& r) {
    auto covered = dns::rrsig_covered(r);
    if (r.type != dns::rrtype::RRSIG) return true;
    return covered && std::find(kept.begin(), kept.end(), std::pair{r.owner, *covered}) != kept.end();
  });
}

}  // namespace

std::size_t scrub(dns::Message& reply, const dns::Question& asked, const dns::Name& zone_cut) {
  auto in_zone = [&](const dns::Record& r) {
    return r.klass == asked.klass && r.owner.is_subdomain_of(zone_cut);
  };
  const std::vector<dns::Name> chain = chain_names(reply, asked, zone_cut);
  const dns::Name& last = chain.back();
  auto on_chain = [&](const dns::Name& n) {
    return std::find(chain.begin(), chain.end(), n) != chain.end();
  };

  // A DNAME stays when it redirects a name of the chain (its owner above that name).
  auto over_chain = [&](const dns::Record& r) {
    return r.type == dns::rrtype::DNAME && std::any_of(chain.begin(), chain.end(), [&](const dns::Name& n) {
             return n != r.owner && n.is_subdomain_of(r.owner);
           });
  };
  std::size_t removed = keep_only(reply.answer, [&](const dns::Record& r) {
    if (in_zone(r) && over_chain(r)) return true;
    return in_zone(r) && on_chain(r.owner) &&
           (r.type == dns::rrtype::CNAME || r.type == asked.type || asked.type == dns::rrtype::ANY ||
            r.type == dns::rrtype::RRSIG);
  });
  // RRSIG asked directly (RFC 4035 §3.1.5 allows it): the signatures are the answer.
  if (asked.type != dns::rrtype::RRSIG) removed += keep_covering_signatures(reply.answer);
  removed += keep_only(reply.authority, [&](const dns::Record& r) {
    if (!in_zone(r)) return false;
    // Denial proofs (RFC 4035 §3.1.3: NSEC, NSEC3) may have any owner in the zone; the
    // signatures are sorted out below.
    if (r.type == dns::rrtype::NSEC || r.type == dns::rrtype::NSEC3 || r.type == dns::rrtype::RRSIG)
      return true;
    // A referral's DS (RFC 4035 §3.1.4) sits at the delegation, like its NS set.
    return (r.type == dns::rrtype::NS || r.type == dns::rrtype::SOA || r.type == dns::rrtype::DS) &&
           last.is_subdomain_of(r.owner);
  });
  removed += keep_covering_signatures(reply.authority);
  // Addresses are kept for NS names of the answer (priming: ". NS") or of the authority section.
  std::vector<dns::Name> ns_targets;
  for (const auto* section : {&reply.answer, &reply.authority})
    for (const auto& r : *section)
      if (auto t = r.type == dns::rrtype::NS ? dns::rdata_target(r) : std::nullopt)
        ns_targets.push_back(*t);
  removed += keep_only(reply.additional, [&](const dns::Record& r) {
    return in_zone(r) && (r.type == dns::rrtype::A || r.type == dns::rrtype::AAAA) &&
           std::find(ns_targets.begin(), ns_targets.end(), r.owner) != ns_targets.end();
  });
  return removed;
}

}  // namespace tern::resolver
