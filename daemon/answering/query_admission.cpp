#include "daemon/answering/query_admission.hpp"

#include "daemon/answering/server_identity.hpp"
#include "daemon/config/access_control.hpp"
#include "resolver/outcome.hpp"

namespace tern::daemon {

std::string_view to_string(Admission a) noexcept {
  switch (a) {
    case Admission::drop_unreadable: return "dropped: unreadable";
    case Admission::drop_denied: return "dropped: denied";
    case Admission::drop_response: return "dropped: a response";
    case Admission::formerr_unparsable: return "FORMERR: malformed";
    case Admission::formerr_cookie: return "FORMERR: malformed COOKIE";
    case Admission::refused_by_acl: return "REFUSED: access control";
    case Admission::notimp_opcode: return "NOTIMP: opcode";
    case Admission::formerr_question_count: return "FORMERR: question count";
    case Admission::badvers: return "BADVERS";
    case Admission::formerr_opt_question: return "FORMERR: OPT question";
    case Admission::server_identity: return "server identity";
    case Admission::refused_unsupported: return "REFUSED: class or type not supported";
    case Admission::local_zone: return "local zone";
    case Admission::refused_not_recursive: return "REFUSED: RD=0";
    case Admission::accepted: return "accepted";
  }
  return "?";
}

namespace {

QueryAdmission& decide(QueryAdmission& a, Admission verdict, std::uint16_t rcode = 0,
                       std::optional<std::uint16_t> ede = std::nullopt, bool client_spelling = false) {
  a.verdict = verdict;
  a.rcode = rcode;
  a.ede = ede;
  a.client_spelling = client_spelling;
  return a;
}

/// The rules on the parsed query's header and its one question, after the COOKIE option.
void judge_parsed(QueryAdmission& a, AclAction access, const ClientPolicy& policy) {
  namespace ede = resolver::ede;
  const dns::Message& query = a.query;
  if (access == AclAction::refuse) {
    decide(a, Admission::refused_by_acl, dns::rcode::refused, ede::prohibited);
    return;
  }
  if (query.opcode != dns::opcode_query) {
    decide(a, Admission::notimp_opcode, dns::rcode::notimp, ede::not_supported);
    return;
  }
  if (query.questions.size() != 1) {
    decide(a, Admission::formerr_question_count, dns::rcode::formerr);
    return;
  }
  // RFC 6891 §6.1.3: only EDNS version 0 exists.
  if (query.edns && query.edns->version > 0) {
    decide(a, Admission::badvers, dns::rcode::badvers);
    return;
  }
  const dns::Question& question = query.questions.front();
  if (question.type == dns::rrtype::OPT) {
    decide(a, Admission::formerr_opt_question, dns::rcode::formerr);
    return;
  }
  // RFC 4892: CH TXT version.bind, id.server ... say who answers (or REFUSED when hidden).
  if (question.klass == class_ch && policy.identity && (a.local = identity_answer(question, *policy.identity))) {
    decide(a, Admission::server_identity);
    return;
  }
  // Zone transfers are for authorities; other classes than IN have no authorities to walk to.
  if (question.klass != dns::class_in || question.type == dns::rrtype::AXFR || question.type == dns::rrtype::IXFR) {
    decide(a, Admission::refused_unsupported, dns::rcode::refused, ede::not_supported, true);
    return;
  }
  // Names ternd answers itself, whatever RD says (as Unbound): never sent upstream, never cached.
  if (policy.local_zones && (a.local = policy.local_zones->answer(question))) {
    decide(a, Admission::local_zone);
    return;
  }
  // Like Unbound's "allow": this is a recursive service; non-recursive queries are refused.
  if (!query.rd) {
    decide(a, Admission::refused_not_recursive, dns::rcode::refused, ede::not_authoritative, true);
    return;
  }
  decide(a, Admission::accepted);
}

}  // namespace

QueryAdmission admit_query(std::span<const std::uint8_t> packet, const asio::ip::address& client,
                           const ClientPolicy& policy) {
  QueryAdmission a;
  if (packet.size() < dns::header_size) return std::move(decide(a, Admission::drop_unreadable));
  const AclAction access = decide_access(policy.access_control, client);
  if (access == AclAction::deny) return std::move(decide(a, Admission::drop_denied));
  // A response sent to a resolver's service port is reflection or spoofing: never answer.
  if (packet[2] & 0x80) return std::move(decide(a, Admission::drop_response));
  a.wire_error = dns::parse_message(packet, a.query);
  if (a.wire_error != dns::WireError::none)
    return std::move(decide(a, Admission::formerr_unparsable, dns::rcode::formerr));
  // RFC 7873 §5.2: a client cookie is answered with our server cookie in every response; a
  // COOKIE option of the wrong length is FORMERR, before any other rule (access refusals too).
  if (a.query.edns && policy.cookies) {
    dns::CookieOption cookie;
    const dns::CookieParse found = dns::find_cookie(a.query.edns->options, cookie);
    if (found == dns::CookieParse::malformed)
      return std::move(decide(a, Admission::formerr_cookie, dns::rcode::formerr));
    if (found == dns::CookieParse::ok) a.client_cookie = ClientCookie{std::string(cookie.client), std::string(cookie.server)};
  }
  judge_parsed(a, access, policy);
  return a;
}

}  // namespace tern::daemon
