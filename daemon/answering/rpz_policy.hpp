// The response policy zones in force, in configuration order, and the decision they make for
// one query (draft-vixie-dnsop-dns-rpz §5): the first zone (in order) with a matching trigger
// wins; within a zone, client IP beats QNAME beats response IP beats NSDNAME beats NSIP; among
// names, an exact name beats a wildcard and a longer wildcard a shorter one; among addresses, a
// longer prefix wins. An immutable snapshot, swapped whole into each worker when a zone is
// loaded, transferred or reloaded; the hit counters outlive snapshots.
#pragma once

#include "daemon/answering/rpz_zone.hpp"
#include "resolver/outcome.hpp"

#include <asio/ip/address.hpp>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::daemon::rpz {

/// The EDE a zone's rewritten answers carry (RFC 8914): 15 Blocked, 16 Censored, 17 Filtered.
enum class EdeCode : std::uint16_t { none = 0, blocked = 15, censored = 16, filtered = 17 };

/// A zone's `policy-override`: every trigger's action replaced by one (the operator's way to
/// try a feed out with passthru, or to turn a feed's local data into NXDOMAIN).
enum class Override : std::uint8_t { none, nxdomain, nodata, passthru, drop, tcp_only };

/// Per zone, shared by the snapshots and `ternctl rpz`: hits by trigger kind.
struct ZoneCounters {
  std::array<std::atomic<std::uint64_t>, trigger_count> hits{};
  void bump(Trigger t) noexcept { hits[static_cast<std::size_t>(t)].fetch_add(1, std::memory_order_relaxed); }
};

/// One zone as the query path sees it: its data and the options that change its answers.
struct ZoneInForce {
  std::string name;  ///< as configured, for logs and ternctl
  std::shared_ptr<const PolicyZone> data;  ///< never null (an empty zone until first loaded)
  EdeCode ede = EdeCode::blocked;
  Override override_action = Override::none;
  bool log = false;  ///< a log line per rewritten answer
  std::shared_ptr<ZoneCounters> counters;
};

/// What matched: which zone and trigger, and the rule (the override already applied).
struct Match {
  std::size_t zone = 0;  ///< index in configuration order
  Trigger trigger = Trigger::qname;
  Rule rule;
  std::string matched;  ///< the name or address that matched, for the log line
};

/// The addresses and names of the servers for the zones above a name, as the caches know them
/// (NSDNAME and NSIP triggers). The query path supplies it; tests give a fixed list.
struct NameServers {
  std::vector<std::string> names;  ///< wire form
  std::vector<Address16> addresses;
};

class PolicySet {
 public:
  explicit PolicySet(std::vector<ZoneInForce> zones);

  /// Whether any trigger needs the answer's addresses (response IP), its CNAME targets (QNAME)
  /// or the servers (NSDNAME, NSIP).
  bool needs_addresses() const noexcept { return address_mask_ != 0; }
  bool needs_cname_targets() const noexcept { return before_mask_ != 0; }
  bool needs_servers() const noexcept { return servers_mask_ != 0; }

  /// The triggers known before resolving: client IP, QNAME. nullopt when none matches.
  std::optional<Match> before(std::string_view qname_wire, const Address16& client) const;
  /// The hot path's cheap test: whether `before` could match anything for this query.
  bool matches_before(std::string_view qname_wire, const Address16& client) const {
    return before_mask_ != 0 && before(qname_wire, client).has_value();
  }
  /// The triggers that need the answer, in zones before `limit` only (a zone further down
  /// already matched before resolving, and an earlier zone's match of any kind wins over it):
  /// response IPs of A/AAAA in `answer`, and the servers' names and addresses. Also QNAME
  /// triggers on every CNAME target in the answer (§5.4: the chain is checked link by link).
  std::optional<Match> after(const std::vector<dns::Record>& answer, const NameServers* servers,
                             std::size_t limit) const;
  /// Whether the response-IP triggers of any zone match `rdata` (A or AAAA): the hit path's
  /// test of a cached answer. Counts nothing.
  bool address_matches(std::span<const std::uint8_t> rdata) const;
  /// Counts a match that was applied in its zone's hits.
  void count(const Match& match) const { zones_[match.zone].counters->bump(match.trigger); }
  /// Whether a zone before `limit` has triggers for after().
  bool any_after_before(std::size_t limit) const noexcept;

  const std::vector<ZoneInForce>& zones() const noexcept { return zones_; }

 private:
  std::optional<Match> hit(std::size_t zone, Trigger trigger, Rule rule, std::string matched) const;

  std::vector<ZoneInForce> zones_;
  std::uint64_t before_mask_ = 0;   ///< zones with client-ip or qname triggers
  std::uint64_t qname_mask_ = 0;    ///< zones with qname triggers (also for CNAME targets)
  std::uint64_t address_mask_ = 0;  ///< zones with response-ip triggers
  std::uint64_t servers_mask_ = 0;  ///< zones with nsdname or nsip triggers
};

/// The 16-octet form of a client's address.
Address16 address16(const asio::ip::address& address);

/// What the query path does with a match.
struct Rewrite {
  bool drop = false;       ///< send nothing
  bool truncate = false;   ///< TCP-only over UDP: empty answer with TC=1
  bool passthru = false;   ///< the real answer (also TCP-only over a stream)
  resolver::Outcome outcome;  ///< otherwise: the answer to send (EDE included)
  std::optional<dns::Name> follow;  ///< local data's CNAME: resolve this and append its answer
};

/// The answer `match` makes for `question` from `set`'s zone (§3): NXDOMAIN, NODATA, the
/// local data of the question's type (a CNAME answers every type), passthru, drop or TCP-only.
Rewrite rewrite(const PolicySet& set, const Match& match, const dns::Question& question, bool over_stream);

}  // namespace tern::daemon::rpz
