#include "resolver/dnssec/nsec3_set.hpp"

#include "resolver/limits.hpp"

#include <fmt/format.h>

namespace tern::resolver::dnssec::nsec3 {
namespace {

/// A record worth hashing against, or nullopt when RFC 5155 section 8.2 says to ignore it.
std::optional<Nsec3> usable_nsec3(const dns::Record& rr, std::size_t index, const dns::Name& zone) {
  if (rr.owner.is_root() || rr.owner.parent() != zone) return std::nullopt;
  auto rdata = parse_nsec3(rr.rdata);
  if (!rdata || rdata->algorithm != nsec3_hash_sha1 || rdata->flags > nsec3_flag_opt_out)
    return std::nullopt;
  auto owner_hash = base32hex_decode(rr.owner.first_label());
  if (!owner_hash || owner_hash->size() != sha1_length ||
      rdata->next_hashed_owner.size() != sha1_length)
    return std::nullopt;
  return Nsec3{index, std::move(*owner_hash), std::move(*rdata)};
}

bool hash_covered(const Nsec3& n, const std::string& hash) {
  const std::string& owner = n.owner_hash;
  const std::string& next = n.rdata.next_hashed_owner;
  if (owner < next) return owner < hash && hash < next;
  if (owner == next) return hash != owner;  // a zone of one name: its NSEC3 covers all else
  return owner < hash || hash < next;       // the last NSEC3 wraps around to the first
}

}  // namespace

Nsec3Screen screen_nsec3s(std::span<const dns::Record> records, const dns::Name& zone,
                          std::size_t max_records) {
  Nsec3Screen out;
  std::size_t seen = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].type != dns::rrtype::NSEC3 || records[i].klass != dns::class_in) continue;
    if (++seen > max_records) {
      out.verdict =
          denial_bogus(ede::dnssec_bogus,
                       fmt::format("more than {} NSEC3 records in one proof "
                                   "(max_nsec3_records_per_proof, NSEC3 hashing attack limit)",
                                   max_records));
      return out;
    }
    if (auto n = usable_nsec3(records[i], i, zone)) out.usable.push_back(std::move(*n));
  }
  for (const Nsec3& n : out.usable) {
    if (n.rdata.iterations > limits::max_nsec3_iterations) {
      out.verdict =
          denial_proven(Security::insecure, Proven::nothing,
                        fmt::format("NSEC3 with {} iterations, over the RFC 9276 limit of {}",
                                    n.rdata.iterations, limits::max_nsec3_iterations));
      out.verdict->verdict.ede = ede::unsupported_nsec3_iterations;
      return out;
    }
  }
  return out;
}

const Nsec3* Nsec3Matcher::match(const dns::Name& name) {
  for (const Nsec3& n : usable_) {
    auto hash = hasher_.hash(name, n.rdata.salt, n.rdata.iterations);
    if (!hash) return nullptr;
    if (*hash == n.owner_hash) return &n;
  }
  return nullptr;
}

const Nsec3* Nsec3Matcher::cover(const dns::Name& name) {
  for (const Nsec3& n : usable_) {
    auto hash = hasher_.hash(name, n.rdata.salt, n.rdata.iterations);
    if (!hash) return nullptr;
    if (hash_covered(n, *hash)) return &n;
  }
  return nullptr;
}

std::optional<EncloserProof> Nsec3Matcher::closest_encloser(const dns::Name& qname,
                                                            const dns::Name& zone,
                                                            std::string& problem) {
  std::optional<dns::Name> next_closer;
  dns::Name candidate = qname;
  while (candidate.is_subdomain_of(zone)) {
    if (const Nsec3* m = match(candidate)) {
      EncloserProof proof{candidate, m, next_closer, nullptr};
      if (!next_closer) return proof;
      // RFC 6840 section 4.1: an encloser at a delegation or a DNAME says nothing of the
      // names below it.
      if (m->has(dns::rrtype::DNAME) || (m->is_delegation() && candidate != zone)) {
        problem =
            fmt::format("the closest encloser {} is a delegation or a DNAME", candidate.to_text());
        return std::nullopt;
      }
      proof.next_closer_cover = cover(*next_closer);
      if (proof.next_closer_cover) return proof;
      problem = budget_exhausted() ? std::string("NSEC3 hash budget exhausted")
                                   : fmt::format("no NSEC3 covers the next closer name {}",
                                                 next_closer->to_text());
      return std::nullopt;
    }
    if (budget_exhausted() || candidate == zone) break;
    next_closer = candidate;
    candidate = candidate.parent();
  }
  problem = budget_exhausted()
                ? std::string("NSEC3 hash budget exhausted")
                : fmt::format("no NSEC3 proves a closest encloser of {}", qname.to_text());
  return std::nullopt;
}

DenialResult budget_exhausted_verdict() {
  return denial_bogus(ede::dnssec_bogus,
                      "NSEC3 hash budget exhausted (max_nsec3_hash_computations, CVE-2023-50868)");
}

}  // namespace tern::resolver::dnssec::nsec3
