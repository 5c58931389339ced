// The verdicts on upstream exchanges (resolver/exchange_verdict.hpp): one case per rule, on
// replies that went through the wire and back, with no io_context and no network.
#include "helpers.hpp"

#include "resolver/exchange_verdict.hpp"
#include "resolver/outcome.hpp"

using namespace tern;
using namespace tern::test;
using resolver::CapsCheck;
using resolver::ExchangeResult;
using resolver::ExchangeStatus;
using resolver::FailureScope;
using resolver::ResponseKind;
using resolver::ServerFeedback;
using resolver::Verdict;

namespace {

/// `m` as the transport hands it over: built to wire form and parsed back.
dns::Message parsed(const dns::Message& m) {
  auto wire = dns::build_message(m);
  REQUIRE(wire);
  dns::Message out;
  REQUIRE(dns::parse_message(*wire, out) == dns::WireError::none);
  return out;
}

ExchangeResult replied(const dns::Message& m, std::string server_cookie = {}) {
  ExchangeResult r;
  r.status = ExchangeStatus::ok;
  r.reply = parsed(m);
  r.server_cookie = std::move(server_cookie);
  return r;
}

ExchangeResult no_reply(ExchangeStatus status) {
  ExchangeResult r;
  r.status = status;
  return r;
}

/// An error reply with EDNS, so that extended codes (BADCOOKIE) survive the wire.
dns::Message error_reply(const dns::Question& q, std::uint16_t rcode) {
  dns::Message m = reply(q, false, {}, {}, {}, rcode);
  m.edns = dns::Edns{};
  return m;
}

/// The question every case asks, of a server of this zone.
dns::Question asked() { return question("www.example.lab"); }
dns::Name zone() { return name("example.lab"); }

resolver::ExchangeVerdict judge(ExchangeResult result, bool sent_edns = true, bool checking_caps = false,
                                bool badcookie_retried = false) {
  return resolver::judge_exchange(result, {asked(), zone(), sent_edns, checking_caps, badcookie_retried});
}

}  // namespace

TEST_CASE("a usable reply is accepted with its classification", "[verdict]") {
  SECTION("an answer") {
    auto v = judge(replied(reply(asked(), true, rrs({"www.example.lab. 300 IN A 127.0.0.80"}))));
    CHECK(v.kind == Verdict::accept);
    CHECK(v.feedback == ServerFeedback::ok);
    CHECK(v.scope == FailureScope::none);
    CHECK(v.cls.kind == ResponseKind::answer);
  }
  SECTION("a referral further down") {
    auto v = judge(replied(reply(asked(), false, {}, rrs({"www.example.lab. 3600 IN NS ns.www.example.lab."}),
                                 rrs({"ns.www.example.lab. 3600 IN A 127.0.0.81"}))));
    CHECK(v.kind == Verdict::accept);
    CHECK(v.cls.kind == ResponseKind::referral);
    CHECK(v.cls.child_zone == name("www.example.lab"));
  }
  SECTION("NXDOMAIN with the SOA") {
    auto m = reply(asked(), true, {}, rrs({"example.lab. 60 IN SOA ns.example.lab. h.example.lab. 1 2 3 4 60"}), {},
                   dns::rcode::nxdomain);
    auto v = judge(replied(m));
    CHECK(v.kind == Verdict::accept);
    CHECK(v.cls.kind == ResponseKind::nxdomain);
  }
}

TEST_CASE("a reply that reaches classification is scrubbed in place first", "[verdict]") {
  auto result = replied(reply(asked(), true, rrs({"www.example.lab. 300 IN A 127.0.0.80"}), {},
                              rrs({"www.bank.example. 300 IN A 127.0.0.66"})));
  auto v = resolver::judge_exchange(result, {asked(), zone(), true, false, false});
  CHECK(v.kind == Verdict::accept);
  CHECK(v.scrubbed == 1);
  CHECK(result.reply.additional.empty());
}

TEST_CASE("no reply sends the walk to the next server, with the feedback of the failure", "[verdict]") {
  auto v = judge(no_reply(ExchangeStatus::timeout));
  CHECK(v.kind == Verdict::next_server);
  CHECK(v.feedback == ServerFeedback::timeout);
  CHECK(v.scope == FailureScope::name);  // a server may drop one name only (RFC 9520)
  v = judge(no_reply(ExchangeStatus::unreachable));
  CHECK(v.feedback == ServerFeedback::unreachable);
  CHECK(v.scope == FailureScope::network);
  v = judge(no_reply(ExchangeStatus::tcp_failed));
  CHECK(v.feedback == ServerFeedback::tcp_failed);
  CHECK(v.scope == FailureScope::network);
  v = judge(no_reply(ExchangeStatus::error));
  CHECK(v.kind == Verdict::next_server);
  CHECK(v.feedback == ServerFeedback::unreachable);
  CHECK(v.scope == FailureScope::network);
}

TEST_CASE("error rcodes and lame replies go to the next server", "[verdict]") {
  auto rcode_verdict = [](std::uint16_t rcode) { return judge(replied(error_reply(asked(), rcode))); };
  auto v = rcode_verdict(dns::rcode::servfail);
  CHECK(v.kind == Verdict::next_server);
  CHECK(v.feedback == ServerFeedback::servfail);
  CHECK(v.scope == FailureScope::name);
  CHECK(v.cls.kind == ResponseKind::rcode);
  v = rcode_verdict(dns::rcode::refused);
  CHECK(v.feedback == ServerFeedback::refused);
  CHECK(v.scope == FailureScope::zone);
  SECTION("REFUSED to a type other than A, NS, SOA or DS fails the question only (type-lame servers)") {
    dns::Question aaaa = asked();
    aaaa.type = dns::rrtype::AAAA;
    auto refused = error_reply(aaaa, dns::rcode::refused);
    ExchangeResult result = replied(refused);
    const dns::Name z = zone();
    const resolver::ExchangeVerdict t = resolver::judge_exchange(result, resolver::ExchangeContext{aaaa, z});
    CHECK(t.feedback == ServerFeedback::refused);
    CHECK(t.scope == FailureScope::name);
  }
  v = rcode_verdict(dns::rcode::notimp);
  CHECK(v.feedback == ServerFeedback::notimp);
  CHECK(v.scope == FailureScope::name);
  SECTION("an upward referral is lame, a zone-wide failure") {
    v = judge(replied(reply(asked(), false, {}, rrs({"lab. 3600 IN NS ns.lab."}))));
    CHECK(v.kind == Verdict::next_server);
    CHECK(v.feedback == ServerFeedback::lame);
    CHECK(v.scope == FailureScope::zone);
    CHECK(v.cls.kind == ResponseKind::lame);
  }
}

TEST_CASE("FORMERR to an EDNS query asks again without EDNS, once", "[verdict]") {
  auto v = judge(replied(error_reply(asked(), dns::rcode::formerr)), true);
  CHECK(v.kind == Verdict::retry_without_edns);
  CHECK(v.feedback == ServerFeedback::formerr);
  CHECK(v.scope == FailureScope::none);
  // Already without EDNS: the server fails this question.
  v = judge(replied(reply(asked(), false, {}, {}, {}, dns::rcode::formerr)), false);
  CHECK(v.kind == Verdict::next_server);
  CHECK(v.feedback == ServerFeedback::formerr);
  CHECK(v.scope == FailureScope::name);
}

TEST_CASE("BADCOOKIE with a new server cookie asks the same server once more", "[verdict]") {
  const std::string server_cookie(16, 's');
  auto v = judge(replied(error_reply(asked(), dns::rcode::badcookie), server_cookie));
  CHECK(v.kind == Verdict::retry_with_cookie);
  SECTION("not a second time") {
    v = judge(replied(error_reply(asked(), dns::rcode::badcookie), server_cookie), true, false, true);
    CHECK(v.kind == Verdict::next_server);
    CHECK(v.feedback == ServerFeedback::notimp);
  }
  SECTION("not without a server cookie to send back") {
    v = judge(replied(error_reply(asked(), dns::rcode::badcookie)));
    CHECK(v.kind == Verdict::next_server);
    CHECK(v.feedback == ServerFeedback::notimp);
  }
}

TEST_CASE("0x20: only wrong-case replies ask the same server over TCP", "[verdict]") {
  ExchangeResult forged = no_reply(ExchangeStatus::timeout);
  forged.case_mismatches = 3;
  auto v = judge(forged);
  CHECK(v.kind == Verdict::retry_over_tcp);
  CHECK(v.caps == CapsCheck::none);
  SECTION("the check over TCP itself timing out is a timeout, not another check") {
    v = judge(forged, true, true);
    CHECK(v.kind == Verdict::next_server);
    CHECK(v.feedback == ServerFeedback::timeout);
    CHECK(v.caps == CapsCheck::none);
  }
}

TEST_CASE("0x20: the check over TCP says whether the server echoes case, and its reply counts", "[verdict]") {
  auto answer = replied(reply(asked(), true, rrs({"www.example.lab. 300 IN A 127.0.0.80"})));
  answer.over_tcp = true;
  answer.case_echoed = true;
  auto v = judge(answer, true, true);
  CHECK(v.caps == CapsCheck::echoed);
  CHECK(v.kind == Verdict::accept);
  answer.case_echoed = false;
  v = judge(answer, true, true);
  CHECK(v.caps == CapsCheck::not_echoed);
  CHECK(v.kind == Verdict::accept);
  // Outside the check, case_echoed means nothing.
  v = judge(answer, true, false);
  CHECK(v.caps == CapsCheck::none);
}

TEST_CASE("a zone cut with every attempt spent: network error or no reachable authority", "[verdict]") {
  using resolver::FailureTally;
  auto f = resolver::judge_zone_failure(zone(), FailureTally{2, 0, 0});
  CHECK(f.ede == resolver::ede::network_error);
  CHECK(f.zone_wide);
  CHECK(f.why.find("example.lab") != std::string::npos);
  f = resolver::judge_zone_failure(zone(), FailureTally{1, 1, 0});  // a REFUSED among them
  CHECK(f.ede == resolver::ede::no_reachable_authority);
  CHECK(f.zone_wide);
  SECTION("a failure that may concern the name only is not the zone's") {
    f = resolver::judge_zone_failure(zone(), FailureTally{1, 1, 1});
    CHECK(f.ede == resolver::ede::no_reachable_authority);
    CHECK_FALSE(f.zone_wide);
  }
  SECTION("no address at all (a cyclic delegation: TsuNAME) is the zone's") {
    f = resolver::judge_zone_failure(zone(), FailureTally{});
    CHECK(f.ede == resolver::ede::no_reachable_authority);
    CHECK(f.zone_wide);
  }
  SECTION("the root is never remembered as failed") {
    f = resolver::judge_zone_failure(dns::Name(), FailureTally{3, 0, 0});
    CHECK(f.ede == resolver::ede::network_error);
    CHECK_FALSE(f.zone_wide);
  }
}
