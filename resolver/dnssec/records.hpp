// The RDATA of the DNSSEC record types as plain values (RFC 4034 sections 2, 3 and 5), parsed
// with bounds: short or garbled RDATA is refused, nothing is read past it. Also the two
// computations over a DNSKEY that need no cryptographic key: its key tag and its DS digest.
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/dns/name.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::resolver::dnssec {

inline constexpr std::uint16_t dnskey_zone_key_flag = 0x0100;  ///< RFC 4034 section 2.1.1, bit 7
inline constexpr std::uint16_t dnskey_revoke_flag = 0x0080;    ///< RFC 5011 section 2.1, bit 8
inline constexpr std::uint16_t dnskey_sep_flag = 0x0001;       ///< RFC 4034 section 2.1.1, bit 15
inline constexpr std::uint8_t dnskey_protocol = 3;             ///< RFC 4034 section 2.1.2

/// DNSSEC algorithm numbers (IANA registry, RFC 8624 section 3.1).
namespace algorithm {
inline constexpr std::uint8_t rsasha1 = 5;
inline constexpr std::uint8_t rsasha1_nsec3_sha1 = 7;
inline constexpr std::uint8_t rsasha256 = 8;
inline constexpr std::uint8_t rsasha512 = 10;
inline constexpr std::uint8_t ecdsap256sha256 = 13;
inline constexpr std::uint8_t ecdsap384sha384 = 14;
inline constexpr std::uint8_t ed25519 = 15;
inline constexpr std::uint8_t ed448 = 16;
}  // namespace algorithm

/// DS digest type numbers (IANA registry, RFC 8624 section 3.3).
namespace digest {
inline constexpr std::uint8_t sha1 = 1;
inline constexpr std::uint8_t sha256 = 2;
inline constexpr std::uint8_t sha384 = 4;
}  // namespace digest

/// RRSIG RDATA (RFC 4034 section 3.1). `signer` is lower-cased (tern's Name); `prefix` is the
/// RDATA up to the signature with the signer name in canonical (lower-case) form, which is
/// what RFC 4034 section 3.1.8.1 / RFC 6840 section 5.1 put first in the signed data.
struct Rrsig {
  std::uint16_t type_covered = 0;  ///< the RRset type it signs
  std::uint8_t algorithm = 0;      ///< of the DNSKEY that made it
  std::uint8_t labels = 0;         ///< owner labels, root and a leading "*" not counted
  std::uint32_t original_ttl = 0;  ///< the RRset's TTL as signed, used in the signed data
  std::uint32_t expiration = 0;  ///< seconds since the epoch modulo 2^32 (RFC 4034 section 3.1.5)
  std::uint32_t inception = 0;   ///< likewise
  std::uint16_t key_tag = 0;     ///< of the DNSKEY that made it (not unique: KeyTrap's lever)
  dns::Name signer;              ///< the zone whose key made it
  std::string prefix;     ///< RDATA without the signature, signer lower-cased
  std::string signature;  ///< never empty
};

/// DNSKEY RDATA (RFC 4034 section 2.1). `rdata` is kept whole: the key tag, the DS digest and
/// the key cache are all computed over it.
struct Dnskey {
  std::uint16_t flags = 0;    ///< Zone Key, REVOKE and SEP bits among others
  std::uint8_t protocol = 0;  ///< 3 for a usable key
  std::uint8_t algorithm = 0;
  std::string public_key;  ///< never empty
  std::string rdata;       ///< the whole RDATA, as received
  bool is_zone_key() const noexcept { return (flags & dnskey_zone_key_flag) != 0; }
  bool is_revoked() const noexcept { return (flags & dnskey_revoke_flag) != 0; }
};

/// DS RDATA (RFC 4034 section 5.1).
struct Ds {
  std::uint16_t key_tag = 0;      ///< of the DNSKEY it describes
  std::uint8_t algorithm = 0;     ///< of the DNSKEY it describes
  std::uint8_t digest_type = 0;   ///< see namespace digest
  std::string digest;  ///< never empty
};

/// Parse the RDATA of one record; nullopt when it is short, garbled or has trailing octets.
std::optional<Rrsig> parse_rrsig(std::string_view rdata);
std::optional<Dnskey> parse_dnskey(std::string_view rdata);
std::optional<Ds> parse_ds(std::string_view rdata);

/// The key tag of a DNSKEY RDATA (RFC 4034 appendix B; algorithm 1's special case is not
/// needed: RSA/MD5 must not be validated, RFC 8624 section 3.1).
std::uint16_t key_tag(std::string_view dnskey_rdata) noexcept;

/// Digest length in octets for a DS digest type tern computes; 0 for an unknown one.
std::size_t digest_length(std::uint8_t digest_type) noexcept;

/// The DS digest of a DNSKEY (RFC 4034 section 5.1.4, RFC 4509, RFC 6605 section 3):
/// digest(owner name in canonical form | DNSKEY RDATA). nullopt for an unknown digest type.
std::optional<std::string> ds_digest(const dns::Name& owner, std::string_view dnskey_rdata,
                                     std::uint8_t digest_type);

/// Reads one uncompressed wire name at rdata[pos]; advances pos. Case is kept. nullopt when it
/// runs past the RDATA, has a compression pointer or exceeds 255 octets.
std::optional<std::string> read_rdata_name(std::string_view rdata, std::size_t& pos);

}  // namespace tern::resolver::dnssec
