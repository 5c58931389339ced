// The vocabulary of DNSSEC validation (RFC 4033 section 5, RFC 4035 section 4.3), shared by the
// pure checks of resolver/dnssec/ (signatures, DS matching, denial proofs) and by the walk that
// fetches what they need. Nothing here does I/O.
#pragma once

#include <cstdint>
#include <string>

namespace tern::resolver::dnssec {

/// The security state of an RRset or a response (RFC 4035 section 4.3).
enum class Security : std::uint8_t {
  indeterminate,  ///< not (yet) decided: no trust anchor above it, or not validated at all
  insecure,       ///< proven unsigned: a secure delegation proves no DS, or an unsupported algorithm
  secure,         ///< a chain of signatures from a trust anchor down to it
  bogus,          ///< should be secure but fails: never given to a client without CD=1
};

/// The Extended DNS Error codes validation gives (RFC 8914 section 4, IANA registry).
namespace ede {
inline constexpr std::uint16_t unsupported_dnskey_algorithm = 1;
inline constexpr std::uint16_t unsupported_ds_digest = 2;
inline constexpr std::uint16_t dnssec_indeterminate = 5;
inline constexpr std::uint16_t dnssec_bogus = 6;
inline constexpr std::uint16_t signature_expired = 7;
inline constexpr std::uint16_t signature_not_yet_valid = 8;
inline constexpr std::uint16_t dnskey_missing = 9;
inline constexpr std::uint16_t rrsigs_missing = 10;
inline constexpr std::uint16_t no_zone_key_bit = 11;
inline constexpr std::uint16_t nsec_missing = 12;
inline constexpr std::uint16_t unsupported_nsec3_iterations = 27;  ///< RFC 9276 section 3.2
}  // namespace ede

/// A verdict with the reason behind it: `ede` is 0 for secure and for indeterminate without a
/// specific reason; `why` is one line for logs and `ternctl trace` ("RRSIG 13/12345 expired").
struct Verdict {
  Security security = Security::indeterminate;
  std::uint16_t ede = 0;
  std::string why;
};

/// What one client query may still spend on validation; every check takes it by reference and
/// fails with Security::bogus (EDE 6, "validation budget exhausted") once a count reaches zero.
/// KeyTrap (CVE-2023-50387) and the NSEC3 hashing attack (CVE-2023-50868) turn a few packets
/// into seconds of CPU; the initial values are in resolver/limits.hpp.
struct ValidationBudget {
  unsigned signature_verifications;  ///< public-key operations (one RRSIG against one DNSKEY)
  unsigned nsec3_hashes;             ///< NSEC3 owner-name hash computations (each with its iterations)
  unsigned ds_match_failures;        ///< DS records that matched no DNSKEY
};

}  // namespace tern::resolver::dnssec
