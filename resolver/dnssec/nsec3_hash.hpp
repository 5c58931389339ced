// NSEC3 owner-name hashing (RFC 5155 section 5) and the base32hex encoding of hashed owner
// names (RFC 4648 section 7, no padding), with the per-query budget and a per-call cache that
// keep the NSEC3 hashing attack (CVE-2023-50868) from turning one response into seconds of CPU.
#pragma once

#include "resolver/dns/name.hpp"
#include "resolver/dnssec/security.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::resolver::dnssec {

/// Lower-case base32hex without padding ("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom" for 20 octets).
std::string base32hex_encode(std::string_view octets);
/// Decodes base32hex, either case, no padding; nullopt for any other character or a length
/// that no octet string encodes to (trailing bits must be zero).
std::optional<std::string> base32hex_decode(std::string_view text);

/// IH(salt, name, iterations) of RFC 5155 section 5 with SHA-1 over the canonical (lower-case
/// wire) name: 20 raw octets. nullopt only if OpenSSL fails.
std::optional<std::string> nsec3_sha1(const dns::Name& name, std::string_view salt,
                                      std::uint16_t iterations);

/// The SHA-1 computations one NSEC3 hash costs: the first hash and one per extra iteration.
/// The budget counts these, not names, so a zone with 150 iterations cannot hash 151 times
/// as much as one with 0 for the same charge.
constexpr unsigned nsec3_hash_cost(std::uint16_t iterations) noexcept { return iterations + 1u; }

/// Hashes names for one validation call: each (name, salt, iterations) is hashed once
/// (the proofs ask for the same closest-encloser candidates against every NSEC3), and each
/// hash is charged to the client query's ValidationBudget::nsec3_hashes before it is computed.
class Nsec3Hasher {
 public:
  explicit Nsec3Hasher(ValidationBudget& budget) : budget_(budget) {}

  /// The raw hash, or nullopt when the budget cannot pay for it (then exhausted() is true) or
  /// OpenSSL failed.
  std::optional<std::string> hash(const dns::Name& name, std::string_view salt,
                                  std::uint16_t iterations);
  bool exhausted() const noexcept { return exhausted_; }
  /// Hashes actually computed (cache hits excluded): what the tests count.
  unsigned computed() const noexcept { return computed_; }

 private:
  struct Entry {
    std::string name_wire, salt;
    std::uint16_t iterations;
    std::string hash;
  };
  ValidationBudget& budget_;
  std::vector<Entry> cache_;  ///< a handful of entries per call: a linear search is fastest
  bool exhausted_ = false;
  unsigned computed_ = 0;
};

}  // namespace tern::resolver::dnssec
