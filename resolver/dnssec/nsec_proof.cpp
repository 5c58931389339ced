#include "resolver/dnssec/nsec_proof.hpp"

#include "resolver/dns/types.hpp"
#include "resolver/dnssec/name_order.hpp"
#include "resolver/dnssec/nsec_records.hpp"

#include <fmt/format.h>

namespace tern::resolver::dnssec::nsec {
namespace {

/// One usable NSEC of the zone: parsed, owned at or below the signer.
struct Nsec {
  std::size_t index;
  const dns::Name* owner;
  NsecRdata rdata;
  bool has(std::uint16_t type) const noexcept { return rdata.types.has(type); }
  /// NS without SOA: the parent side of a zone cut.
  bool is_delegation() const noexcept { return has(dns::rrtype::NS) && !has(dns::rrtype::SOA); }
};

/// RFC 6840 section 4.1 (the NSEC's signer): an NSEC says something only about its own zone,
/// so records owned outside the signer's zone, or garbled, are set aside.
std::vector<Nsec> usable_nsecs(std::span<const dns::Record> records, const dns::Name& zone) {
  std::vector<Nsec> out;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const dns::Record& rr = records[i];
    if (rr.type != dns::rrtype::NSEC || rr.klass != dns::class_in) continue;
    if (!rr.owner.is_subdomain_of(zone)) continue;
    auto rdata = parse_nsec(rr.rdata);
    if (!rdata || !rdata->next.is_subdomain_of(zone)) continue;
    out.push_back(Nsec{i, &rr.owner, std::move(*rdata)});
  }
  return out;
}

/// RFC 6840 section 4.1: an "ancestor delegation" NSEC (NS without SOA, owned by an ancestor
/// of the name, below the apex) comes from the parent side of a zone cut and cannot deny
/// anything below the cut, which lives in the child zone. A DNAME at an ancestor redirects
/// every name below it (RFC 6672 section 2.3): no NSEC of this zone can deny them either.
bool may_deny_below(const Nsec& n, const dns::Name& name, const dns::Name& zone) {
  if (!name.is_subdomain_of(*n.owner) || name == *n.owner) return true;
  if (n.has(dns::rrtype::DNAME)) return false;
  return !(n.is_delegation() && *n.owner != zone);
}

const Nsec* find_match(const std::vector<Nsec>& nsecs, const dns::Name& name) {
  for (const Nsec& n : nsecs)
    if (*n.owner == name) return &n;
  return nullptr;
}

const Nsec* find_cover(const std::vector<Nsec>& nsecs, const dns::Name& name,
                       const dns::Name& zone) {
  for (const Nsec& n : nsecs)
    if (canonical_span_covers(*n.owner, n.rdata.next, name) && may_deny_below(n, name, zone))
      return &n;
  return nullptr;
}

/// RFC 4035 section 5.4: the closest encloser of a covered name is the longer of its common
/// ancestors with the covering NSEC's owner and next names (both exist in the zone).
dns::Name closest_encloser(const Nsec& cover, const dns::Name& name) {
  dns::Name by_owner = common_ancestor(name, *cover.owner);
  dns::Name by_next = common_ancestor(name, cover.rdata.next);
  return by_owner.label_count() >= by_next.label_count() ? by_owner : by_next;
}

std::optional<dns::Name> wildcard_at(const dns::Name& encloser) { return encloser.child("*"); }

/// The type is absent at a matching NSEC, and so is a CNAME (RFC 6840 section 4.3: else the
/// answer should have been the CNAME). Empty when the NSEC proves the absence, else why not.
std::string type_absent_problem(const Nsec& n, std::uint16_t qtype) {
  if (n.has(qtype)) return "its type bitmap has the type";
  if (n.has(dns::rrtype::CNAME)) return "its type bitmap has CNAME";
  return {};
}

}  // namespace

DenialResult prove_nxdomain(const DenialQuestion& q, std::span<const dns::Record> records) {
  const auto nsecs = usable_nsecs(records, q.zone);
  const std::string qname = q.qname.to_text();
  if (find_match(nsecs, q.qname))
    return denial_bogus(ede::dnssec_bogus,
                        fmt::format("NXDOMAIN for {}, but an NSEC owns it", qname));
  const Nsec* cover = find_cover(nsecs, q.qname, q.zone);
  if (!cover) return denial_bogus(ede::nsec_missing, fmt::format("no NSEC covers {}", qname));
  // RFC 4035 section 3.1.3.2: a next name below qname makes qname an empty non-terminal.
  if (cover->rdata.next.is_subdomain_of(q.qname))
    return denial_bogus(ede::dnssec_bogus,
                        fmt::format("NXDOMAIN for {}, an empty non-terminal", qname));
  dns::Name encloser = closest_encloser(*cover, q.qname);
  auto wildcard = wildcard_at(encloser);
  if (!wildcard) return denial_bogus(ede::dnssec_bogus, "no room for a wildcard name");
  if (find_match(nsecs, *wildcard))
    return denial_bogus(ede::dnssec_bogus,
                        fmt::format("NXDOMAIN for {}, but {} exists", qname, wildcard->to_text()));
  const Nsec* wildcard_cover = find_cover(nsecs, *wildcard, q.zone);
  if (!wildcard_cover)
    return denial_bogus(ede::nsec_missing,
                        fmt::format("no NSEC covers the wildcard {}", wildcard->to_text()));
  DenialResult out =
      denial_proven(Security::secure, Proven::nxdomain,
                    fmt::format("NSEC proves {} and {} absent", qname, wildcard->to_text()));
  out.closest_encloser = std::move(encloser);
  out.proof = {cover->index};
  if (wildcard_cover != cover) out.proof.push_back(wildcard_cover->index);
  return out;
}

namespace {

/// NODATA at the name itself: a matching NSEC without the type, with the DS special case of
/// RFC 4035 section 5.4 / RFC 6840 section 4.4 (DS lives on the parent side of a cut).
DenialResult nodata_at_match(const DenialQuestion& q, const Nsec& match) {
  const std::string qname = q.qname.to_text();
  if (auto problem = type_absent_problem(match, q.qtype); !problem.empty())
    return denial_bogus(ede::dnssec_bogus, fmt::format("NODATA for {}, but {}", qname, problem));
  const bool child_apex = match.has(dns::rrtype::SOA) && !q.qname.is_root();
  if (q.qtype == dns::rrtype::DS && child_apex)
    return denial_bogus(ede::dnssec_bogus,
                        fmt::format("the child apex NSEC of {} cannot deny its DS", qname));
  if (q.qtype != dns::rrtype::DS && match.is_delegation() && q.qname != q.zone)
    return denial_bogus(ede::dnssec_bogus,
                        fmt::format("the delegation NSEC of {} cannot deny child types", qname));
  DenialResult out = denial_proven(Security::secure, Proven::nodata,
                                   fmt::format("NSEC at {} proves the type absent", qname));
  out.proof = {match.index};
  return out;
}

/// Wildcard NODATA (RFC 4035 section 3.1.3.4): qname is covered, and the wildcard at its
/// closest encloser exists without the type.
std::optional<DenialResult> wildcard_nodata(const DenialQuestion& q, const std::vector<Nsec>& nsecs,
                                            const Nsec& cover) {
  dns::Name encloser = closest_encloser(cover, q.qname);
  auto wildcard = wildcard_at(encloser);
  const Nsec* match = wildcard ? find_match(nsecs, *wildcard) : nullptr;
  if (!match || !may_deny_below(cover, *wildcard, q.zone)) return std::nullopt;
  if (auto problem = type_absent_problem(*match, q.qtype); !problem.empty())
    return denial_bogus(ede::dnssec_bogus,
                        fmt::format("wildcard NODATA, but at {} {}", wildcard->to_text(), problem));
  DenialResult out = denial_proven(Security::secure, Proven::wildcard_nodata,
                                   fmt::format("NSEC proves {} absent and {} without the type",
                                               q.qname.to_text(), wildcard->to_text()));
  out.closest_encloser = std::move(encloser);
  out.proof = {cover.index, match->index};
  return out;
}

}  // namespace

DenialResult prove_nodata(const DenialQuestion& q, std::span<const dns::Record> records) {
  const auto nsecs = usable_nsecs(records, q.zone);
  if (const Nsec* match = find_match(nsecs, q.qname)) return nodata_at_match(q, *match);
  const Nsec* cover = find_cover(nsecs, q.qname, q.zone);
  if (!cover)
    return denial_bogus(ede::nsec_missing, fmt::format("no NSEC for {}", q.qname.to_text()));
  // An empty non-terminal has no NSEC; the NSEC before it has a next name below it
  // (RFC 4035 section 3.1.3.2).
  if (cover->rdata.next.is_subdomain_of(q.qname) && cover->rdata.next != q.qname) {
    DenialResult out = denial_proven(Security::secure, Proven::nodata,
                                     fmt::format("{} is an empty non-terminal", q.qname.to_text()));
    out.proof = {cover->index};
    return out;
  }
  if (auto wildcard = wildcard_nodata(q, nsecs, *cover)) return std::move(*wildcard);
  return denial_bogus(
      ede::nsec_missing,
      fmt::format("no NSEC proves NODATA for {}: it is covered, no wildcard matches",
                  q.qname.to_text()));
}

DenialResult prove_wildcard_answer(const DenialQuestion& q, std::uint8_t rrsig_labels,
                                   std::span<const dns::Record> records) {
  const auto nsecs = usable_nsecs(records, q.zone);
  const dns::Name encloser = q.qname.suffix(rrsig_labels);
  for (const Nsec& n : nsecs) {
    if (!canonical_span_covers(*n.owner, n.rdata.next, q.qname)) continue;
    if (!may_deny_below(n, q.qname, q.zone)) continue;
    // The NSEC must show nothing exists between the wildcard's parent and qname: a closer
    // encloser would mean the wildcard could not have matched (RFC 4035 section 5.3.4).
    if (closest_encloser(n, q.qname) != encloser) continue;
    DenialResult out = denial_proven(Security::secure, Proven::wildcard_answer,
                                     fmt::format("NSEC proves no closer match for {} than *.{}",
                                                 q.qname.to_text(), encloser.to_text()));
    out.closest_encloser = encloser;
    out.proof = {n.index};
    return out;
  }
  return denial_bogus(ede::nsec_missing, fmt::format("no NSEC proves the wildcard expansion of {}",
                                                     q.qname.to_text()));
}

DenialResult prove_insecure_delegation(const DenialQuestion& q,
                                       std::span<const dns::Record> records) {
  const auto nsecs = usable_nsecs(records, q.zone);
  const std::string child = q.qname.to_text();
  const Nsec* match = find_match(nsecs, q.qname);
  if (!match)
    return denial_bogus(ede::nsec_missing, fmt::format("no NSEC at the delegation {}", child));
  if (match->has(dns::rrtype::DS))
    return denial_bogus(ede::dnssec_bogus, fmt::format("the NSEC at {} lists a DS", child));
  // RFC 6840 section 4.4: NS present and SOA absent, or this is no delegation (or the child's
  // own apex NSEC, which cannot speak for the parent's DS).
  if (!match->is_delegation())
    return denial_bogus(ede::dnssec_bogus,
                        fmt::format("the NSEC at {} shows no delegation", child));
  DenialResult out = denial_proven(Security::insecure, Proven::no_ds,
                                   fmt::format("NSEC proves {} delegated without DS", child));
  out.proof = {match->index};
  return out;
}

}  // namespace tern::resolver::dnssec::nsec
