// One response policy zone (RPZ, draft-vixie-dnsop-dns-rpz), compiled from its records into
// the tables the query path looks triggers up in: QNAME and NSDNAME names (exact and
// wildcard), client, response and name-server addresses by prefix. Immutable once built; a
// reload or a transfer builds a new one. Compact on purpose: a feed of a million QNAME
// triggers is one arena of wire names, 16 octets of entry each and an 8-octet slot index
// at half load (README: under 80 MiB for a million names), not a map of objects.
#pragma once

#include "resolver/dns/message.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tern::daemon::rpz {

/// The trigger kinds in the specification's order of precedence within one zone (§5: client
/// IP, QNAME, response IP, NSDNAME, NSIP); the value is the index of its hit counter.
enum class Trigger : std::uint8_t { client_ip, qname, response_ip, nsdname, nsip };
inline constexpr std::size_t trigger_count = 5;
/// "client-ip", "qname", "response-ip", "nsdname", "nsip": as ternctl rpz names them.
std::string_view trigger_name(Trigger trigger);

/// What a trigger does (§3): the CNAME target in the zone says which.
enum class Action : std::uint8_t {
  nxdomain,    ///< CNAME .
  nodata,      ///< CNAME *.
  passthru,    ///< CNAME rpz-passthru. (or the old form, CNAME to the trigger's own name)
  drop,        ///< CNAME rpz-drop.: no answer at all
  tcp_only,    ///< CNAME rpz-tcp-only.: TC=1 over UDP, resolved as usual over TCP
  local_data,  ///< any other records: answered in place of the real data
};
std::string_view action_name(Action action);

/// What one trigger in a zone says: the action, and for local data the index of its records.
struct Rule {
  Action action = Action::nxdomain;
  std::uint32_t ttl = 0;   ///< the policy record's TTL: the TTL of the rewritten answer
  std::uint32_t data = 0;  ///< local_data: index into PolicyZone::local_data
};

/// Wire names (lower-cased, absolute) to rules: one arena of names, an open-addressing index
/// of 32-bit entry numbers. Built by add() then seal(); looked up only once sealed.
class NameTable {
 public:
  /// A name added twice keeps its first rule (as in a zone file read top down).
  void add(std::string_view wire, Rule rule);
  /// Builds the index; add() is not allowed afterwards.
  void seal();
  std::optional<Rule> find(std::string_view wire) const noexcept;
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  /// Octets held (arena, entries, index): what `ternctl rpz` and the benchmark report.
  std::size_t memory() const noexcept;

 private:
  struct Entry {
    std::uint32_t offset;  ///< into arena_
    std::uint8_t length;   ///< wire names are at most 255 octets
    Action action;
    std::uint32_t ttl;
    std::uint32_t data;
  };
  std::string_view name_of(const Entry& e) const noexcept { return {arena_.data() + e.offset, e.length}; }
  std::string arena_;
  std::vector<Entry> entries_;
  /// Low 32 bits: entry number + 1 (0: empty); high 32 bits: the name's hash above the index
  /// bits, so that a probe that misses reads this array only, not the entries and the arena
  /// (one cache miss instead of three on a big table: the hit path's cost). A power of two.
  std::vector<std::uint64_t> slots_;
};

/// An address as 16 octets (IPv4 as ::ffff:a.b.c.d, so one table holds both families).
using Address16 = std::array<std::uint8_t, 16>;

/// Address prefixes to rules, looked up longest prefix first (§5.1: the longest prefix of a
/// zone wins).
class PrefixTable {
 public:
  /// `prefix` counts in the 128-bit form (an IPv4 /24 is 120). The first one added stays.
  void add(const Address16& address, unsigned prefix, Rule rule);
  void seal();
  std::optional<Rule> find(const Address16& address) const noexcept;
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }

 private:
  struct Entry {
    Address16 masked;
    std::uint8_t prefix;
    Rule rule;
  };
  std::vector<Entry> entries_;             ///< sorted by (prefix descending, masked)
  std::vector<std::uint8_t> prefixes_;     ///< the distinct prefixes, longest first
};

/// A parsed trigger owner name (relative to the zone's origin).
struct TriggerName {
  Trigger trigger = Trigger::qname;
  bool wildcard = false;  ///< QNAME and NSDNAME: "*.NAME" matches the names below NAME
  std::string wire;       ///< QNAME, NSDNAME: the name (without "*." when wildcard)
  Address16 address{};    ///< the IP triggers
  unsigned prefix = 0;    ///< the IP triggers, 128-bit form
};

/// Reads `relative` (the owner's labels in front of the zone's origin, wire form without the
/// root octet) as a trigger; nullopt and `why` when it is none the specification allows
/// (a malformed address, a prefix out of range, an unknown rpz- label).
std::optional<TriggerName> parse_trigger(std::string_view relative, std::string& why);

/// 16-octet form of 4 or 16 octets of address; nullopt for other lengths.
std::optional<Address16> address16(std::span<const std::uint8_t> octets);

class PolicyZone {
 public:
  /// The zone named `origin` (wire form), from its records (SOA and NS at the apex are
  /// bookkeeping; the rest are triggers). The first problem is returned as text naming the
  /// record ("record N (NAME): ...").
  static std::optional<PolicyZone> build(const std::string& origin, std::span<const dns::Record> records,
                                         std::string& error);

  /// Adds one record; false and `why` when it is not a valid policy record. For streaming
  /// readers (the zone file loader) that never hold all the records at once.
  bool add(const dns::Record& record, std::string& why);
  /// Ends building: seals the tables. Needs an SOA at the apex (the serial).
  bool seal(std::string& why);

  explicit PolicyZone(std::string origin_wire) : origin_(std::move(origin_wire)) {}

  /// QNAME (or NSDNAME, with `nsdname`) lookup of `wire`: the exact name, else the longest
  /// wildcard that covers it (§5.1: exact before wildcard, longer before shorter).
  std::optional<Rule> find_name(std::string_view wire, bool nsdname = false) const noexcept;
  std::optional<Rule> find_address(Trigger trigger, const Address16& address) const noexcept;

  std::uint32_t serial() const noexcept { return serial_; }
  std::size_t record_count() const noexcept { return records_; }
  bool has(Trigger trigger) const noexcept;
  const std::string& origin() const noexcept { return origin_; }
  /// Records of local data, the owner of each irrelevant (the query's name is put there).
  const std::vector<dns::Record>& local_data(std::uint32_t index) const { return local_data_[index]; }
  std::size_t memory() const noexcept;

 private:
  std::string origin_;  ///< wire form, lower case
  NameTable qnames_, qname_wildcards_, nsdnames_, nsdname_wildcards_;
  PrefixTable client_ips_, response_ips_, nsips_;
  std::vector<std::vector<dns::Record>> local_data_;
  /// The local-data index of owners with data, while building (few: walled-garden entries).
  std::unordered_map<std::string, std::uint32_t> data_owners_;
  std::uint32_t serial_ = 0;
  bool has_soa_ = false;
  std::size_t records_ = 0;
};

/// Reads the zone file at `path` for the zone `origin` (wire form) with ldns, record by
/// record (a million-record file is never held whole). nullopt and "PATH:LINE: why" in
/// `error` when a record does not parse or is no valid policy record, or the SOA is missing.
std::optional<PolicyZone> load_policy_file(const std::string& path, const std::string& origin, std::string& error);

/// The same from zone-file text in memory (tests, the fuzz target); `label` names it in errors.
std::optional<PolicyZone> load_policy_text(std::string_view text, const std::string& origin, const std::string& label,
                                           std::string& error);

}  // namespace tern::daemon::rpz
