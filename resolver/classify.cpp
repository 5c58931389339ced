#include "resolver/classify.hpp"

#include "resolver/dname.hpp"
#include "resolver/limits.hpp"

#include <algorithm>

namespace tern::resolver {

std::string_view to_string(ResponseKind k) noexcept {
  switch (k) {
    case ResponseKind::answer: return "answer";
    case ResponseKind::cname: return "cname";
    case ResponseKind::referral: return "referral";
    case ResponseKind::nxdomain: return "nxdomain";
    case ResponseKind::nodata: return "nodata";
    case ResponseKind::lame: return "lame";
    case ResponseKind::rcode: return "rcode";
  }
  return "unknown";
}

namespace {

std::vector<dns::Record> select(const std::vector<dns::Record>& section, auto pred) {
  std::vector<dns::Record> out;
  std::copy_if(section.begin(), section.end(), std::back_inserter(out), pred);
  return out;
}

/// Follows the answer section from the question; returns false when a final RRset was found.
bool follow_chain(const dns::Message& reply, const dns::Question& asked, Classification& c) {
  dns::Name current = asked.name;
  std::vector<dns::Name> seen{current};
  for (unsigned hop = 0; hop <= limits::max_cname_hops; ++hop) {
    auto final_set = select(reply.answer, [&](const dns::Record& r) {
      return r.owner == current && (r.type == asked.type || asked.type == dns::rrtype::ANY);
    });
    if (!final_set.empty()) {
      c.chain.insert(c.chain.end(), final_set.begin(), final_set.end());
      c.target = current;
      return false;
    }
    // RFC 6672 §3.2: a DNAME over the name redirects it; the CNAME is synthesised here (the
    // server's may have another TTL, or another target: only the DNAME is believed). The
    // deepest DNAME applies; scrub kept only in-zone ones.
    const dns::Record* dname = nullptr;
    for (const auto& r : reply.answer)
      if (r.type == dns::rrtype::DNAME && r.owner != current && current.is_subdomain_of(r.owner) &&
          (!dname || r.owner.label_count() > dname->owner.label_count()))
        dname = &r;
    if (dname) {
      auto next = dname_substitute(current, *dname);
      if (!next) break;
      c.chain.push_back(*dname);
      c.chain.push_back(synthesised_cname(current, *next, *dname));
      current = *next;
      if (std::find(seen.begin(), seen.end(), current) != seen.end()) break;  // loop: walk decides
      seen.push_back(current);
      continue;
    }
    auto link = std::find_if(reply.answer.begin(), reply.answer.end(), [&](const dns::Record& r) {
      return r.owner == current && r.type == dns::rrtype::CNAME;
    });
    if (link == reply.answer.end()) break;
    auto next = dns::rdata_target(*link);
    if (!next) break;
    c.chain.push_back(*link);
    current = *next;
    if (std::find(seen.begin(), seen.end(), current) != seen.end()) break;  // loop: walk decides
    seen.push_back(current);
  }
  c.target = current;
  return true;
}

bool covers_one_of(const dns::Record& sig, const std::vector<dns::Record>& records) {
  auto covered = dns::rrsig_covered(sig);
  return covered && std::any_of(records.begin(), records.end(), [&](const dns::Record& r) {
           return r.owner == sig.owner && r.type == *covered;
         });
}

/// The chain's signatures, kept aside so that they never pass for the answer type.
void collect_signatures(const dns::Message& reply, const dns::Question& asked, Classification& c) {
  if (asked.type == dns::rrtype::RRSIG || asked.type == dns::rrtype::ANY) return;
  c.signatures = select(reply.answer, [&](const dns::Record& r) {
    return r.type == dns::rrtype::RRSIG && covers_one_of(r, c.chain);
  });
}

/// RFC 4035 §3.1.3: a negative answer's NSEC/NSEC3 records and the RRSIGs over them and the SOA.
std::vector<dns::Record> denial_proof(const dns::Message& reply, const Classification& c) {
  auto denial = select(reply.authority, [](const dns::Record& r) {
    return r.type == dns::rrtype::NSEC || r.type == dns::rrtype::NSEC3;
  });
  auto sigs = select(reply.authority, [&](const dns::Record& r) {
    return r.type == dns::rrtype::RRSIG && (covers_one_of(r, denial) || covers_one_of(r, c.soa));
  });
  denial.insert(denial.end(), sigs.begin(), sigs.end());
  return denial;
}

/// RFC 4035 §3.1.4: a signed referral's DS set at the child zone, or the NSEC/NSEC3 records
/// proving it has none (§3.1.4.1: an unsigned delegation), and their RRSIGs. The validator
/// takes the child's DS from here: no DS query of its own.
std::vector<dns::Record> delegation_signer(const dns::Message& reply, const dns::Name& child) {
  auto ds = select(reply.authority, [&](const dns::Record& r) {
    return (r.type == dns::rrtype::DS && r.owner == child) || r.type == dns::rrtype::NSEC ||
           r.type == dns::rrtype::NSEC3;
  });
  auto sigs = select(reply.authority, [&](const dns::Record& r) {
    return r.type == dns::rrtype::RRSIG && covers_one_of(r, ds);
  });
  ds.insert(ds.end(), sigs.begin(), sigs.end());
  return ds;
}

}  // namespace

Classification classify(const dns::Message& reply, const dns::Question& asked,
                        const dns::Name& zone_cut) {
  Classification c;
  c.target = asked.name;
  if (reply.rcode != dns::rcode::noerror && reply.rcode != dns::rcode::nxdomain) {
    c.kind = ResponseKind::rcode;
    return c;
  }
  const bool chain_open = follow_chain(reply, asked, c);
  collect_signatures(reply, asked, c);
  if (!chain_open) {
    c.kind = ResponseKind::answer;
    // RFC 4035 §3.1.3.3: a wildcard expansion comes with the NSEC/NSEC3 proving no closer name.
    c.proof = denial_proof(reply, c);
    return c;
  }
  c.soa = select(reply.authority, [&](const dns::Record& r) {
    return r.type == dns::rrtype::SOA && c.target.is_subdomain_of(r.owner);
  });
  c.proof = denial_proof(reply, c);
  if (reply.rcode == dns::rcode::nxdomain) {
    c.kind = ResponseKind::nxdomain;
    return c;
  }
  auto ns = select(reply.authority, [](const dns::Record& r) { return r.type == dns::rrtype::NS; });
  if (!ns.empty() && c.soa.empty() && c.chain.empty()) {
    // The deepest NS owner is the delegation; it must lie strictly below the zone we asked
    // (an upward or sideways referral is lame: it is how referral loops are built).
    dns::Name child = ns.front().owner;
    for (const auto& r : ns)
      if (r.owner.label_count() > child.label_count()) child = r.owner;
    if (child != zone_cut && child.is_subdomain_of(zone_cut) && c.target.is_subdomain_of(child)) {
      c.kind = ResponseKind::referral;
      c.child_zone = child;
      c.proof = delegation_signer(reply, child);
      c.ns = select(ns, [&](const dns::Record& r) { return r.owner == child; });
      c.glue = select(reply.additional, [&](const dns::Record& r) {
        return std::any_of(c.ns.begin(), c.ns.end(), [&](const dns::Record& n) {
          return dns::rdata_target(n) == r.owner;
        });
      });
      return c;
    }
  }
  if (!c.chain.empty()) {
    // The chain left this reply; a NODATA for its end is only believable with an SOA for it.
    c.kind = c.soa.empty() ? ResponseKind::cname : ResponseKind::nodata;
    return c;
  }
  c.kind = (reply.aa || !c.soa.empty()) ? ResponseKind::nodata : ResponseKind::lame;
  return c;
}

}  // namespace tern::resolver
