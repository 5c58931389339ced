// What one upstream exchange means for the walk: the verdicts of RFC 1034 §5.3.3 step 4 on a
// reply (or on its absence), as pure functions over parsed messages. ask_zone does the I/O, the
// counters and the trace hops around them; every rule is unit-tested without an io_context
// (tests/unit/exchange_verdict_test.cpp).
#pragma once

#include "resolver/classify.hpp"
#include "resolver/dns/message.hpp"
#include "resolver/selection.hpp"
#include "resolver/upstream_transport.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tern::resolver {

/// What the walk does after one exchange with one server: a closed set.
enum class Verdict {
  accept,              ///< a usable reply (step 4 a-c): `cls` says what it is
  retry_over_tcp,      ///< 0x20: only wrong-case replies came; the same server again, over TCP
  retry_with_cookie,   ///< RFC 7873 §5.3 BADCOOKIE with a fresh server cookie: same server, once
  retry_without_edns,  ///< RFC 6891 §7 FORMERR to an EDNS query: the server stays a candidate,
                       ///< asked without EDNS from now on
  next_server,         ///< step 4 d: this server failed this question; `feedback` says how
};
std::string_view to_string(Verdict v) noexcept;

/// How far a failure of one server says something (RFC 9520 §3.1: what a zone-wide failure is).
enum class FailureScope {
  none,     ///< not a failure
  network,  ///< ICMP unreachable, TCP failed, no route: the network itself
  name,     ///< timeout, SERVFAIL, FORMERR, NOTIMP: may concern only the name asked
  zone,     ///< REFUSED, lame: the server does not serve the zone
};

/// The 0x20 check over TCP (Verdict::retry_over_tcp's exchange), as its reply showed.
enum class CapsCheck {
  none,        ///< this exchange was no check, or the check got no reply
  echoed,      ///< the server echoes our case: the wrong-case UDP replies were forged
  not_echoed,  ///< the server does not echo case: ask it without 0x20 from now on
};

/// What the exchange was, beyond its result.
struct ExchangeContext {
  const dns::Question& asked;
  const dns::Name& zone;         ///< the zone cut whose server was asked (scrub's bailiwick)
  bool sent_edns = true;         ///< the query carried an OPT record
  bool checking_caps = false;    ///< this exchange was the 0x20 check over TCP
  bool badcookie_retried = false;  ///< this question already had its one BADCOOKIE retry
};

/// The verdict on one exchange and what backs it.
struct ExchangeVerdict {
  Verdict kind = Verdict::next_server;
  ServerFeedback feedback = ServerFeedback::ok;  ///< what selection learns (ok for accept)
  FailureScope scope = FailureScope::none;      ///< next_server: which failure tally it joins
  CapsCheck caps = CapsCheck::none;
  Classification cls;       ///< accept and next_server after classification: the reply's kind
  std::size_t scrubbed = 0; ///< records scrub() removed from the reply
};

/// Judges `result` of an exchange described by `context`. When the reply gets as far as
/// classification it is scrubbed in place first (scrub.hpp); otherwise it is left as it came.
ExchangeVerdict judge_exchange(ExchangeResult& result, const ExchangeContext& context);

/// Every attempt at a zone cut's servers failed (step 4 d with no server left): the failure
/// to answer, and whether it is the zone's rather than the name's.
struct ZoneFailure {
  std::uint16_t ede = 0;      ///< RFC 8914: 23 network error, 22 no reachable authority
  std::string why;
  bool zone_wide = false;     ///< RFC 9520: remember the zone as failed, not just the question
};

/// Failures of one zone cut's attempts, tallied by FailureScope.
struct FailureTally {
  unsigned network = 0;  ///< FailureScope::network
  unsigned other = 0;    ///< FailureScope::name and FailureScope::zone
  unsigned name = 0;     ///< FailureScope::name
};

/// The failure of a zone cut whose attempts are all spent. The root is never zone-wide (when
/// it is unreachable, our own network is the likelier cause), nor is a failure any attempt of
/// which may concern only the name asked.
ZoneFailure judge_zone_failure(const dns::Name& zone, const FailureTally& tally);

}  // namespace tern::resolver
