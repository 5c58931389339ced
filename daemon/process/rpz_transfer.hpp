// Zone transfers of response policy zones from their primaries: AXFR (RFC 5936) the first time,
// IXFR (RFC 1995) afterwards, over TCP, blocking, on the zone's own thread (never a worker's).
// The stream's interpretation (a full zone, a list of changes, or "up to date") is a pure
// function of the records, so the tests check it without a server.
#pragma once

#include "daemon/config/config.hpp"
#include "resolver/dns/message.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tern::daemon::rpz {

/// One IXFR change set: the records deleted, then those added, going from one serial to the next.
struct ZoneDiff {
  std::vector<dns::Record> deleted;  ///< the old SOA first
  std::vector<dns::Record> added;    ///< the new SOA first
};

struct TransferResult {
  enum class Kind { failed, up_to_date, full, incremental };
  Kind kind = Kind::failed;
  std::uint32_t serial = 0;
  std::vector<dns::Record> records;  ///< full: the zone, its SOA first (once)
  std::vector<ZoneDiff> diffs;       ///< incremental: in order
  std::string error;                 ///< failed: why ("127.0.0.1@53: connection refused")
};

/// Whether the records received so far complete the transfer (AXFR: the SOA again at the end;
/// IXFR: the new SOA a third time, or one SOA alone).
bool transfer_complete(const std::vector<dns::Record>& records, bool ixfr, bool first_message_only);

/// What a complete stream of records says, for a client that has `have` (nullopt: nothing).
TransferResult interpret_transfer(std::vector<dns::Record> records, std::optional<std::uint32_t> have);

/// The SOA serial of an SOA record's RDATA; nullopt when malformed.
std::optional<std::uint32_t> soa_serial(const dns::Record& soa);

/// Transfers `zone` (wire form) from `primary`: IXFR from `have` when given, else AXFR.
TransferResult transfer_zone(const dns::Name& zone, const ZoneServer& primary, std::optional<std::uint32_t> have);

}  // namespace tern::daemon::rpz
