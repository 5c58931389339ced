// tern's own bounded check of a DNS message, run on every packet from the network before ldns
// sees it. ldns trusts its input more than a resolver may: it follows up to 65,535 compression
// pointers per name and accepts a second OPT record. This check is linear in the packet size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::dns {

/// Why a packet failed the wire check; every value is counted separately by the daemon.
enum class WireError : std::uint8_t {
  none,
  short_header,           ///< fewer than 12 octets
  truncated_name,         ///< a name runs past the end of the packet
  bad_label_type,         ///< label type 0b01/0b10 (RFC 6891 retired them): length > 63
  name_too_long,          ///< expanded name over 255 octets
  pointer_not_backwards,  ///< compression pointer to itself or forward: the loop builders' tool
  too_many_pointers,      ///< more than max_pointer_hops in one name
  truncated_question,     ///< QDCOUNT promises more than the packet holds
  truncated_record,       ///< AN/NS/ARCOUNT promise more than the packet holds
  rdata_overrun,          ///< RDLENGTH runs past the end of the packet
  bad_rdata,              ///< a name inside RDATA is broken or does not fill RDLENGTH
  multiple_opt,           ///< more than one OPT record (RFC 6891 §6.1.1: FORMERR)
  opt_outside_additional, ///< OPT in the answer or authority section
  opt_bad_owner,          ///< OPT owner is not the root name
  trailing_data,          ///< octets after the last record
};
inline constexpr std::size_t wire_error_count = 15;
std::string_view to_string(WireError e) noexcept;

/// At most this many compression pointers are followed in one name. Pointers must also point
/// strictly backwards, which alone forbids loops; the hop bound caps the work per name.
inline constexpr unsigned max_pointer_hops = 256;

enum class Section : std::uint8_t { answer, authority, additional };

/// Where one resource record sits in a checked packet.
struct RecordRef {
  Section section;
  std::uint16_t type;
  std::uint16_t klass;
  std::uint32_t ttl;
  std::size_t owner_offset;  ///< first octet of the (possibly compressed) owner name
  std::size_t ttl_offset;    ///< first of the four TTL octets: the hit path patches it
  std::size_t rdata_offset;
  std::uint16_t rdlength;
};

/// The layout of RDATA for the types whose embedded names may be compressed (RFC 3597 §4):
/// fixed octets, then consecutive names, then exactly fixed_after octets.
struct RdataShape {
  std::uint8_t fixed_before;
  std::uint8_t names;
  std::uint8_t fixed_after;
};
/// False for types whose RDATA holds no compressible name (it is then opaque octets).
bool rdata_shape(std::uint16_t type, RdataShape& shape) noexcept;

/// Reads the name at `offset`; sets `end` just past its in-place octets. When `out` is given,
/// appends the expanded, lower-cased wire form. Bounded by max_pointer_hops.
WireError read_name(std::span<const std::uint8_t> msg, std::size_t offset, std::size_t& end,
                    std::string* out);

/// Checks the whole packet: header, QDCOUNT questions, every record, names inside the RDATA of
/// the types whose names may be compressed (RFC 3597 §4), OPT placement, no trailing data.
/// When `records` is given, it receives every record's position (OPT included).
WireError check_message(std::span<const std::uint8_t> msg, std::vector<RecordRef>* records = nullptr);

inline std::uint16_t read_u16(std::span<const std::uint8_t> msg, std::size_t at) noexcept {
  return static_cast<std::uint16_t>((msg[at] << 8) | msg[at + 1]);
}
inline std::uint32_t read_u32(std::span<const std::uint8_t> msg, std::size_t at) noexcept {
  return (std::uint32_t{msg[at]} << 24) | (std::uint32_t{msg[at + 1]} << 16) |
         (std::uint32_t{msg[at + 2]} << 8) | msg[at + 3];
}

}  // namespace tern::dns
