// Whether and how a client query is accepted: the checks QueryHandler::handle applies before
// answering, in its order, as a pure function of the packet, the client's address and the
// policy (no counters, no clock, no I/O). handle() counts and builds what the verdict says;
// every rule is unit-tested on packets alone (tests/unit/query_admission_test.cpp).
#pragma once

#include "daemon/answering/local_zones.hpp"
#include "daemon/answering/query_handler.hpp"
#include "resolver/dns/cookie.hpp"
#include "resolver/dns/message.hpp"
#include "resolver/dns/wire_check.hpp"

#include <asio/ip/address.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tern::daemon {

/// What becomes of one client query, by the first rule that decides: a closed set, in the
/// order the rules apply.
enum class Admission {
  drop_unreadable,         ///< shorter than a header: nothing to answer
  drop_denied,             ///< access control `deny`: silence
  drop_response,           ///< QR=1: a response sent to a resolver is reflection or spoofing
  formerr_unparsable,      ///< fails the wire check: FORMERR, the header alone
  formerr_cookie,          ///< RFC 7873 §5.2.2: a COOKIE option of the wrong length
  refused_by_acl,          ///< access control `refuse`: REFUSED, EDE 18 prohibited
  notimp_opcode,           ///< an opcode other than QUERY: NOTIMP, EDE 21 not supported
  formerr_question_count,  ///< not exactly one question
  badvers,                 ///< RFC 6891 §6.1.3: an EDNS version above 0
  formerr_opt_question,    ///< type OPT asked: it is no data type
  server_identity,         ///< CH TXT version.bind, id.server ...: the answer or REFUSED, any RD
  refused_unsupported,     ///< a class other than IN, AXFR or IXFR: REFUSED, EDE 21
  local_zone,              ///< a local zone answers it (or drops it: LocalAnswer::drop), any RD
  refused_not_recursive,   ///< RD=0 outside local zones: REFUSED, EDE 20 not authoritative
  accepted,                ///< answered from the cache or by resolving
};
std::string_view to_string(Admission a) noexcept;

/// A well-formed client COOKIE option, its octets owned: a dns::CookieOption's views into the
/// query would dangle once the verdict moves (a short option lives inside its std::string).
struct ClientCookie {
  std::string client;  ///< 8 octets
  std::string server;  ///< empty, or 8..32 octets
  dns::CookieOption view() const noexcept { return dns::CookieOption{client, server}; }
};

/// The verdict on one query and what backs it.
struct QueryAdmission {
  Admission verdict = Admission::drop_unreadable;
  dns::WireError wire_error = dns::WireError::none;  ///< formerr_unparsable: the wire check's reason
  dns::Message query;                    ///< parsed: every verdict after formerr_unparsable
  /// A well-formed COOKIE option (policy.cookies on): every response to the query, errors
  /// included, carries our server cookie (RFC 7873 §5.2). Found before the later rules.
  std::optional<ClientCookie> client_cookie;
  std::uint16_t rcode = 0;               ///< the error verdicts: the response's rcode
  std::optional<std::uint16_t> ede;      ///< the error verdicts: RFC 8914 code, when one
  /// The error response spells the question name as the client did (0x20 clients compare it).
  bool client_spelling = false;
  std::optional<LocalAnswer> local;      ///< local_zone, server_identity: the response
};

/// Judges a query from `client` under `policy`.
QueryAdmission admit_query(std::span<const std::uint8_t> packet, const asio::ip::address& client,
                           const ClientPolicy& policy);

}  // namespace tern::daemon
