// A per-walk observer: sees every upstream exchange of one resolution (ternctl trace). The walk
// checks a null pointer before each call, so walks without an observer pay nothing else.
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/outcome.hpp"

#include <chrono>
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
  /// What the reply brought: a referral's NS set and glue, an answer's chain (priming: the root
  /// NS set and its addresses).
  std::vector<dns::Record> records;
};

class WalkObserver {
 public:
  virtual ~WalkObserver() = default;
  virtual void hop(const WalkHop& hop) = 0;
};

/// What Resolver::trace returns: the outcome and every hop, in order.
struct TraceResult {
  Outcome outcome;
  std::vector<WalkHop> hops;
  std::chrono::microseconds total{0};
  std::string limit;  ///< the limits.hpp budget that ended the walk, if one did
};

}  // namespace tern::resolver
