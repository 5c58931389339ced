// DNS messages as plain values. Parsing goes through tern's bounded wire check and expands every
// compressed name (RFC 3597 §4 types); building goes through ldns, which compresses names.
#pragma once

#include "resolver/dns/name.hpp"
#include "resolver/dns/types.hpp"
#include "resolver/dns/wire_check.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::dns {

/// One question; the name is canonical (lower-case) so questions compare as cache keys.
struct Question {
  Name name;
  std::uint16_t type = rrtype::A;
  std::uint16_t klass = class_in;
  friend bool operator==(const Question&, const Question&) = default;
};

/// One resource record. rdata is uncompressed wire form (names inside expanded, case kept).
struct Record {
  Name owner;
  std::uint16_t type = 0;
  std::uint16_t klass = class_in;
  std::uint32_t ttl = 0;
  std::string rdata;
  friend bool operator==(const Record&, const Record&) = default;
};

/// EDNS(0) as carried in an OPT record (RFC 6891 §6.1.3).
struct Edns {
  std::uint16_t udp_size = 512;  ///< advertised payload size (values < 512 are read as 512)
  std::uint8_t version = 0;
  bool dnssec_ok = false;
  std::string options;           ///< raw option octets (code, length, data)*
};

/// A whole message. rcode includes the OPT extension bits (RFC 6891 §6.1.3).
struct Message {
  std::uint16_t id = 0;
  std::uint8_t opcode = opcode_query;
  std::uint16_t rcode = rcode::noerror;
  bool qr = false, aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
  std::vector<Question> questions;
  std::vector<Record> answer, authority, additional;  ///< OPT is never here: see edns
  std::optional<Edns> edns;
};

/// Checks and parses a packet from the network. Returns WireError::none and fills `out`, or the
/// reason it was refused (then `out` is unspecified).
WireError parse_message(std::span<const std::uint8_t> packet, Message& out);

/// Builds wire form with name compression. When the result would exceed max_size, the
/// sections are dropped and TC is set (RFC 2181 §9). nullopt when ldns rejects a record.
std::optional<std::vector<std::uint8_t>> build_message(const Message& msg,
                                                       std::size_t max_size = 65535);

/// An upstream query: RD clear, one question, EDNS with the given buffer size and DO set (0: no
/// EDNS, the FORMERR fallback) carrying `edns_options` (raw option octets).
std::vector<std::uint8_t> build_query(const Question& q, std::uint16_t id, std::uint16_t edns_size,
                                      std::string_view edns_options = {});

/// Parses one RR in presentation format ("www.lab. 300 IN A 127.0.0.1"); for tests and hints.
std::optional<Record> record_from_text(std::string_view text);
/// Presentation format of one RR (ldns does the RDATA), with the given TTL.
std::string record_to_text(const Record& rr, std::uint32_t ttl);
std::string type_to_text(std::uint16_t type);
/// Parses "A", "AAAA", "TYPE65"...; nullopt when unknown.
std::optional<std::uint16_t> type_from_text(std::string_view text);
std::string rcode_to_text(std::uint16_t rcode);

/// The type an RRSIG covers (RFC 4034 §3.1.1); nullopt for any other record or a short RDATA.
std::optional<std::uint16_t> rrsig_covered(const Record& rr);

/// The domain name held by an NS, CNAME, DNAME or PTR record; nullopt for other types.
std::optional<Name> rdata_target(const Record& rr);
/// The SOA MINIMUM field (RFC 2308 §4), nullopt when rr is not a well-formed SOA.
std::optional<std::uint32_t> soa_minimum(const Record& rr);

}  // namespace tern::dns
