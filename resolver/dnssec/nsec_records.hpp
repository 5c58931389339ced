// NSEC (RFC 4034 section 4) and NSEC3 (RFC 5155 section 3) RDATA as values. Parsing is
// bounded: every length is checked against the octets that remain, garbled rdata gives
// nullopt, nothing is read past the end.
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/dns/name.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::resolver::dnssec {

/// The type bit maps field of NSEC and NSEC3 (RFC 4034 section 4.1.2). Invariant: windows in
/// strictly increasing order, each with a bitmap of 1 to 32 octets, nothing left over.
class TypeBitmap {
 public:
  /// nullopt unless `octets` is a well-formed type bit maps field (empty is well-formed).
  static std::optional<TypeBitmap> parse(std::string_view octets);
  bool has(std::uint16_t type) const noexcept;

 private:
  explicit TypeBitmap(std::string_view octets) : octets_(octets) {}
  std::string octets_;
};

/// NSEC RDATA: the next owner name in canonical order and the types at the owner.
struct NsecRdata {
  dns::Name next;  ///< lower-cased like every tern name
  TypeBitmap types;
};

/// RFC 5155 section 3.1.2: the only flag defined; other flag values make a record unusable
/// (section 8.2).
inline constexpr std::uint8_t nsec3_flag_opt_out = 0x01;
/// RFC 5155 section 11: hash algorithm 1 is SHA-1, the only one defined.
inline constexpr std::uint8_t nsec3_hash_sha1 = 1;
inline constexpr std::size_t sha1_length = 20;

/// NSEC3 RDATA (RFC 5155 section 3.2).
struct Nsec3Rdata {
  std::uint8_t algorithm = 0;
  std::uint8_t flags = 0;
  std::uint16_t iterations = 0;
  std::string salt;               ///< raw octets, 0..255
  std::string next_hashed_owner;  ///< raw hash octets (not base32hex), 1..255
  TypeBitmap types;
  bool opt_out() const noexcept { return (flags & nsec3_flag_opt_out) != 0; }
};

std::optional<NsecRdata> parse_nsec(std::string_view rdata);
std::optional<Nsec3Rdata> parse_nsec3(std::string_view rdata);

}  // namespace tern::resolver::dnssec
