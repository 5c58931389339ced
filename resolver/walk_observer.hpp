// A per-walk observer: sees every upstream exchange of one resolution (ternctl trace). The walk
// checks a null pointer before each call, so walks without an observer pay nothing else.
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/dnssec/security.hpp"
#include "resolver/outcome.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tern::resolver {

/// One upstream exchange as the walk saw it.
struct WalkHop {
  dns::Name zone;                     ///< the zone cut whose server was asked
  std::string server;                 ///< its address
  dns::Question question;             ///< what was asked (QNAME-minimised when it was)
  std::string transport;              ///< "udp", or "udp+tcp" after TC=1
  std::chrono::microseconds rtt{0};   ///< of the UDP leg, as the infra cache learns it
  std::chrono::microseconds at{0};    ///< when the reply (or the failure) came, from the walk's start
  std::string result;                 ///< "referral to lab.", "answer", "nxdomain", "timeout" ...
  unsigned depth = 0;                 ///< 0 for the question itself, 1+ inside glue-less NS lookups
  unsigned index = 0;                 ///< its place among the walk's hops, told in the order replies came
  /// The hop this exchange was sent after in its chain of sequential exchanges: the previous one
  /// of its branch, for a glue-less lookup's first the referral that needed it, for the walk
  /// resuming the lookup that found it an address; -1 for the first. Always < index.
  int after = -1;
  /// Answered by an identical exchange already in flight (CoalescingTransport): nothing was sent.
  bool shared = false;
  /// Sent for DNSSEC validation (a DS or DNSKEY set the chain of trust needed, or a lookup on
  /// its way): the round trips validation added to the walk.
  bool dnssec = false;
  /// What the reply brought: a referral's NS set and glue, an answer's chain (priming: the root
  /// NS set and its addresses).
  std::vector<dns::Record> records;
};

/// One signed RRset validation checked: which key signed it (secure) or was tried last.
struct SignedBy {
  std::string rrset;                 ///< "www.alg13.sec. A"
  std::uint16_t key_tag = 0;         ///< 0/0: no key was tried (no RRSIG, or the zone not secure)
  std::uint8_t algorithm = 0;
  dnssec::Verdict verdict;
};

/// One zone of the chain of trust as validation settled it (validation.cpp). A trace's
/// recorder merges the links of one zone: the keys come once, each signed RRset after them.
struct ChainLink {
  dns::Name zone;
  /// Where its DS came from: "anchor", "referral" (the parent's referral carried it), "asked"
  /// (a DS query of the parent side), "no-DS proof" (the parent proved none: insecure below),
  /// or empty when the zone was never keyed (a signed RRset only).
  std::string ds_source;
  /// Its DNSKEY set as "tag/alg", the SEP (key-signing) keys marked "ksk": empty unless secure.
  std::vector<std::string> keys;
  std::optional<dnssec::Verdict> verdict;  ///< the zone's own verdict; unset for a signed RRset only
  std::vector<SignedBy> signed_sets;       ///< the RRsets of the answer this zone's keys were tried on
};

class WalkObserver {
 public:
  virtual ~WalkObserver() = default;
  virtual void hop(const WalkHop& hop) = 0;
  /// Validation settled a zone's keys or checked an RRset signed by it; most observers ignore it.
  virtual void chain(const ChainLink&) {}
};

/// What Resolver::trace returns: the outcome and every hop, in order.
struct TraceResult {
  Outcome outcome;
  std::vector<WalkHop> hops;
  /// With validation on: the zones of the chain of trust, from the anchor down (the order
  /// their keys were settled, parents first), each with the RRsets its keys signed.
  std::vector<ChainLink> chain;
  std::chrono::microseconds total{0};
  std::string limit;  ///< the limits.hpp budget that ended the walk, if one did
};

}  // namespace tern::resolver
