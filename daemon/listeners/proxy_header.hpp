// The PROXY protocol version 2 header (the binary one; haproxy's proxy-protocol.txt §2.2) that a
// load balancer such as dnsdist puts before a client's query so that ternd learns who asked:
// at the start of each UDP datagram, and once at the start of a TCP connection. A pure parser
// over octets (no sockets, no asio: the fuzz target drives it as is); the listeners decide whom
// to believe (proxy_sources.hpp). Text headers (version 1) are not accepted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tern::daemon {

/// The 12 octets every version 2 header starts with.
inline constexpr std::array<std::uint8_t, 12> proxy_v2_signature{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                                 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
/// The signature, the version/command octet, the family octet and the 2-octet length.
inline constexpr std::size_t proxy_v2_fixed_size = 16;

/// What parse_proxy_v2 found.
enum class ProxyParse {
  ok,          ///< a whole, valid header: ProxyHeader says how long and who
  incomplete,  ///< the octets end inside the header (TCP: read header_size() octets, then parse)
  not_proxy,   ///< no signature: an ordinary query
  malformed,   ///< signature, but a wrong version, command, family or a length too short for it
  too_long,    ///< longer than limits::max_proxy_header_bytes
};

/// A parsed header. For a LOCAL command (a balancer's own health check) and for the families
/// that carry no IP address (UNSPEC, UNIX), `has_source` is false: the connection's own peer
/// is the client.
struct ProxyHeader {
  std::size_t size = 0;  ///< octets the header takes, TLVs included; the query follows
  bool has_source = false;
  bool ipv6 = false;                       ///< source is 16 octets (else the first 4)
  std::array<std::uint8_t, 16> source{};   ///< the real client's address, network order
  std::uint16_t source_port = 0;
  bool stream = false;                     ///< the client spoke TCP (STREAM) to the balancer
};

/// The size the header at the start of `data` declares (fixed part plus its length field), or
/// 0 when `data` holds fewer than proxy_v2_fixed_size octets or does not start with the
/// signature. Lets a TCP reader know how much more to read before parsing.
std::size_t proxy_v2_declared_size(std::span<const std::uint8_t> data) noexcept;

/// Whether `data` starts with the signature (an unexpected header from an untrusted address).
bool starts_with_proxy_v2(std::span<const std::uint8_t> data) noexcept;

/// Parses the header at the start of `data`; fills `header` only on ok. TLVs are skipped
/// unread (ternd uses none) but must stay inside the declared length.
ProxyParse parse_proxy_v2(std::span<const std::uint8_t> data, ProxyHeader& header) noexcept;

}  // namespace tern::daemon
