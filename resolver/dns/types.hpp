// Numeric DNS constants tern uses by name (RFC 1035, RFC 6895 registries).
#pragma once

#include <cstdint>

namespace tern::dns {

/// RR types (RFC 1035 §3.2.2 and later registrations).
namespace rrtype {
inline constexpr std::uint16_t A = 1;
inline constexpr std::uint16_t NS = 2;
inline constexpr std::uint16_t CNAME = 5;
inline constexpr std::uint16_t SOA = 6;
inline constexpr std::uint16_t PTR = 12;
inline constexpr std::uint16_t MX = 15;
inline constexpr std::uint16_t TXT = 16;
inline constexpr std::uint16_t RP = 17;
inline constexpr std::uint16_t AFSDB = 18;
inline constexpr std::uint16_t AAAA = 28;
inline constexpr std::uint16_t SRV = 33;
inline constexpr std::uint16_t DNAME = 39;
inline constexpr std::uint16_t OPT = 41;
inline constexpr std::uint16_t DS = 43;
inline constexpr std::uint16_t RRSIG = 46;
inline constexpr std::uint16_t NSEC = 47;
inline constexpr std::uint16_t DNSKEY = 48;
inline constexpr std::uint16_t NSEC3 = 50;
inline constexpr std::uint16_t NSEC3PARAM = 51;
inline constexpr std::uint16_t IXFR = 251;  ///< incremental zone transfer (RFC 1995)
inline constexpr std::uint16_t AXFR = 252;
inline constexpr std::uint16_t ANY = 255;
}  // namespace rrtype

/// Whether a record of `type` is one RFC 4035 §3.2.1 leaves out of a reply to a client that did
/// not set DO, unless the client asked for that type (`asked`).
constexpr bool is_dnssec_only(std::uint16_t type, std::uint16_t asked) noexcept {
  return type != asked &&
         (type == rrtype::RRSIG || type == rrtype::NSEC || type == rrtype::NSEC3);
}

inline constexpr std::uint16_t class_in = 1;

/// Response codes (RFC 1035 §4.1.1, RFC 6891 extended).
namespace rcode {
inline constexpr std::uint16_t noerror = 0;
inline constexpr std::uint16_t formerr = 1;
inline constexpr std::uint16_t servfail = 2;
inline constexpr std::uint16_t nxdomain = 3;
inline constexpr std::uint16_t notimp = 4;
inline constexpr std::uint16_t refused = 5;
inline constexpr std::uint16_t badvers = 16;
inline constexpr std::uint16_t badcookie = 23;  ///< RFC 7873 §8
}  // namespace rcode

inline constexpr std::uint8_t opcode_query = 0;

/// RFC 1035 §2.3.4 size limits.
inline constexpr std::size_t max_label_length = 63;
inline constexpr std::size_t max_name_length = 255;
inline constexpr std::size_t header_size = 12;

}  // namespace tern::dns
