#include "resolver/dnssec/nsec_records.hpp"

#include "resolver/dns/types.hpp"

namespace tern::resolver::dnssec {
namespace {

inline constexpr std::size_t max_bitmap_octets = 32;  ///< RFC 4034 section 4.1.2: 256 types

/// The length of the uncompressed name at the start of `rdata`, or 0 when it is not one that
/// ends inside rdata within RFC 1035's limits (NSEC next names are never compressed,
/// RFC 4034 section 4.1.1 / RFC 3597 section 4).
std::size_t name_length(std::string_view rdata) noexcept {
  std::size_t pos = 0;
  while (pos < rdata.size() && pos < dns::max_name_length) {
    const auto len = static_cast<unsigned char>(rdata[pos]);
    if (len == 0) return pos + 1;
    if (len > dns::max_label_length) return 0;
    pos += 1 + len;
  }
  return 0;
}

}  // namespace

std::optional<TypeBitmap> TypeBitmap::parse(std::string_view octets) {
  int previous_window = -1;
  std::size_t pos = 0;
  while (pos < octets.size()) {
    if (octets.size() - pos < 2) return std::nullopt;
    const int window = static_cast<unsigned char>(octets[pos]);
    const std::size_t length = static_cast<unsigned char>(octets[pos + 1]);
    if (window <= previous_window || length == 0 || length > max_bitmap_octets) return std::nullopt;
    if (octets.size() - pos - 2 < length) return std::nullopt;
    previous_window = window;
    pos += 2 + length;
  }
  return TypeBitmap(octets);
}

bool TypeBitmap::has(std::uint16_t type) const noexcept {
  const unsigned want_window = type >> 8;
  const unsigned bit = type & 0xff;
  std::size_t pos = 0;
  while (pos + 2 <= octets_.size()) {
    const unsigned window = static_cast<unsigned char>(octets_[pos]);
    const std::size_t length = static_cast<unsigned char>(octets_[pos + 1]);
    if (window == want_window) {
      if (bit / 8 >= length) return false;
      return (static_cast<unsigned char>(octets_[pos + 2 + bit / 8]) & (0x80u >> (bit % 8))) != 0;
    }
    pos += 2 + length;
  }
  return false;
}

std::optional<NsecRdata> parse_nsec(std::string_view rdata) {
  const std::size_t length = name_length(rdata);
  if (length == 0) return std::nullopt;
  auto next = dns::Name::from_wire(rdata.substr(0, length));
  auto types = TypeBitmap::parse(rdata.substr(length));
  if (!next || !types) return std::nullopt;
  return NsecRdata{std::move(*next), std::move(*types)};
}

std::optional<Nsec3Rdata> parse_nsec3(std::string_view rdata) {
  // algorithm, flags, iterations (2), salt length: 5 octets before the salt.
  if (rdata.size() < 5) return std::nullopt;
  Nsec3Rdata out{
      .algorithm = static_cast<std::uint8_t>(rdata[0]),
      .flags = static_cast<std::uint8_t>(rdata[1]),
      .iterations = static_cast<std::uint16_t>(static_cast<unsigned char>(rdata[2]) << 8 |
                                               static_cast<unsigned char>(rdata[3])),
      .salt = {},
      .next_hashed_owner = {},
      .types = *TypeBitmap::parse({})};
  const std::size_t salt_length = static_cast<unsigned char>(rdata[4]);
  std::size_t pos = 5;
  if (rdata.size() - pos < salt_length + 1) return std::nullopt;
  out.salt.assign(rdata.substr(pos, salt_length));
  pos += salt_length;
  const std::size_t hash_length = static_cast<unsigned char>(rdata[pos++]);
  if (hash_length == 0 || rdata.size() - pos < hash_length) return std::nullopt;
  out.next_hashed_owner.assign(rdata.substr(pos, hash_length));
  pos += hash_length;
  auto types = TypeBitmap::parse(rdata.substr(pos));
  if (!types) return std::nullopt;
  out.types = std::move(*types);
  return out;
}

}  // namespace tern::resolver::dnssec
