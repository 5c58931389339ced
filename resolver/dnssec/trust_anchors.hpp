// Where chains of trust start (RFC 4033 section 2 "trust anchor", RFC 4035 section 4.4): per
// zone, the DS and/or DNSKEY records configured as trusted without a parent's signature; and
// the names configured as insecure without validation (negative trust anchors, RFC 7646).
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/dns/name.hpp"

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tern::resolver::dnssec {

/// The anchors of one zone: DS records and/or DNSKEY records owned by `zone`.
struct TrustAnchor {
  dns::Name zone;
  std::vector<dns::Record> ds;
  std::vector<dns::Record> dnskeys;
};

/// The IANA root anchors built into tern: the DS records of the root KSKs with key tags 20326
/// (KSK-2017) and 38696 (KSK-2024), algorithm 8, digest type 2.
std::vector<dns::Record> builtin_root_anchors();

/// The trust anchors in force, one TrustAnchor per zone.
class TrustAnchorStore {
 public:
  /// A store holding only the built-in root anchors.
  static TrustAnchorStore with_builtin_root();

  /// Sets the anchors of `anchor.zone`, replacing any it had (a root anchor from a file
  /// replaces the built-in ones).
  void replace(TrustAnchor anchor);
  /// The anchors of exactly `zone`, or nullptr.
  const TrustAnchor* find(const dns::Name& zone) const;
  /// The anchor of `name` or of its closest ancestor that has one: where validating `name`
  /// starts its chain of trust. nullptr when no anchor encloses it.
  const TrustAnchor* closest_enclosing(const dns::Name& name) const;
  std::size_t size() const noexcept { return anchors_.size(); }

 private:
  std::map<dns::Name, TrustAnchor> anchors_;
};

/// Reads one `trust-anchor-file`: zone-file syntax ($ORIGIN, $TTL, comments, multi-line
/// parentheses; relative names are taken relative to the root; no $INCLUDE), any owners, DS and DNSKEY
/// records only. On success appends the records to `out` and returns nullopt; otherwise
/// returns "FILE:LINE: reason" (LINE is where ldns stopped reading the bad record) and leaves
/// `out` untouched.
std::optional<std::string> read_anchor_file(const std::string& path, std::vector<dns::Record>& out);

/// The outcome of build_trust_anchors: the store, or the first error ("FILE:LINE: reason").
struct AnchorLoad {
  TrustAnchorStore store;
  std::optional<std::string> error;
};

/// The built-in root anchors, then the records of every file in `files` grouped by owner: a
/// zone named in the files gets exactly the files' anchors (for the root, instead of the
/// built-in ones). Stops at the first file that cannot be read.
AnchorLoad build_trust_anchors(std::span<const std::string> files);

/// Negative trust anchors (RFC 7646, setting `domain-insecure`): a name at or below one of
/// them is treated as insecure without validation, even under a positive anchor.
class NegativeTrustAnchors {
 public:
  NegativeTrustAnchors() = default;
  explicit NegativeTrustAnchors(std::vector<dns::Name> names);
  /// Parses names in presentation format; on a bad one returns nullopt and sets `error`
  /// to "domain-insecure: 'TEXT' is not a domain name".
  static std::optional<NegativeTrustAnchors> from_text(std::span<const std::string> names,
                                                       std::string& error);

  /// The closest negative anchor at or above `name`, or nullptr (RFC 7646 section 2.1: the
  /// NTA applies to the domain and everything below it).
  const dns::Name* closest_enclosing(const dns::Name& name) const;
  /// True when `name` is at or below a negative anchor: answers for it are insecure.
  bool covers(const dns::Name& name) const { return closest_enclosing(name) != nullptr; }
  bool empty() const noexcept { return names_.empty(); }

 private:
  std::vector<dns::Name> names_;  ///< sorted, no duplicates
};

}  // namespace tern::resolver::dnssec
