#include "tests/support/scripted_server.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace tern::testing {

namespace {
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
}

// ---- helpers -------------------------------------------------------------------------------

dns::Name name(std::string_view text) {
  auto n = dns::Name::from_text(text);
  if (!n) throw std::invalid_argument("bad name in test: " + std::string(text));
  return *n;
}

dns::Record record(std::string_view text) {
  auto rr = dns::record_from_text(text);
  if (!rr) throw std::invalid_argument("bad record in test: " + std::string(text));
  return *rr;
}

std::string a_text(const dns::Record& rr) {
  if (rr.type != dns::rrtype::A || rr.rdata.size() != 4) return {};
  auto b = [&](int i) { return std::to_string(static_cast<unsigned char>(rr.rdata[i])); };
  return b(0) + "." + b(1) + "." + b(2) + "." + b(3);
}

std::optional<dns::CookieOption> cookie_of(const dns::Message& q) {
  dns::CookieOption c;
  if (!q.edns || dns::find_cookie(q.edns->options, c) != dns::CookieParse::ok) return std::nullopt;
  return c;
}

std::string server_cookie_for(std::string_view client, char generation) {
  return std::string(8, generation) + std::string(client);
}

Action Action::answer(dns::Message reply) {
  Action a;
  a.reply = std::move(reply);
  return a;
}

Action Action::silence() { return Action{}; }

Action Action::rcode(std::uint16_t rcode) {
  dns::Message m;
  m.rcode = rcode;
  Action a = answer(std::move(m));
  a.echo_edns = false;
  return a;
}

Action Action::records(const std::vector<std::string>& answer_text) {
  dns::Message m;
  m.aa = true;
  for (const auto& text : answer_text) m.answer.push_back(record(text));
  return answer(std::move(m));
}

Gate::Gate(asio::io_context& io) : timer_(io, asio::steady_timer::time_point::max()) {}

void Gate::open() {
  open_ = true;
  timer_.cancel();
  for (auto& weak : woken_on_open_)
    if (auto timer = weak.lock()) timer->cancel();
  woken_on_open_.clear();
}

void Gate::wake_on_open(std::weak_ptr<asio::steady_timer> timer) {
  if (open_) {
    if (auto t = timer.lock()) t->cancel();
    return;
  }
  woken_on_open_.push_back(std::move(timer));
}

asio::awaitable<void> Gate::passed() {
  while (!open_) co_await timer_.async_wait(use_tuple);
}

Handler formerr_on_edns(Handler inner) {
  return [inner = std::move(inner)](const dns::Message& query, Transport transport) {
    if (query.edns) return Action::rcode(dns::rcode::formerr);
    return inner(query, transport);
  };
}

// ---- FakeZone ------------------------------------------------------------------------------

FakeZone::FakeZone(std::string_view origin) : origin_(name(origin)) {
  add(origin_.to_text() + " 300 IN SOA ns.invalid. hostmaster.invalid. 1 3600 600 86400 300");
}

FakeZone& FakeZone::add(std::string_view text) {
  records_.push_back(record(text));
  return *this;
}

FakeZone& FakeZone::delegate(std::string_view child, std::string_view ns_name,
                             std::string_view address) {
  add(std::string(child) + " 300 IN NS " + std::string(ns_name));
  const bool v6 = address.find(':') != std::string_view::npos;
  if (!address.empty()) add(std::string(ns_name) + (v6 ? " 300 IN AAAA " : " 300 IN A ") + std::string(address));
  return *this;
}

std::vector<dns::Record> FakeZone::find(const dns::Name& owner, std::uint16_t type) const {
  std::vector<dns::Record> out;
  for (const auto& rr : records_)
    if (rr.owner == owner && rr.type == type) out.push_back(rr);
  return out;
}

std::optional<dns::Name> FakeZone::delegation_for(const dns::Name& qname, std::uint16_t qtype) const {
  std::optional<dns::Name> cut;
  for (const auto& rr : records_) {
    if (rr.type != dns::rrtype::NS || rr.owner == origin_ || !qname.is_subdomain_of(rr.owner)) continue;
    if (qtype == dns::rrtype::DS && qname == rr.owner) continue;  // the parent answers DS
    if (!cut || rr.owner.label_count() < cut->label_count()) cut = rr.owner;  // topmost cut
  }
  return cut;
}

bool FakeZone::exists(const dns::Name& n) const {
  return std::any_of(records_.begin(), records_.end(),
                     [&](const dns::Record& rr) { return rr.owner.is_subdomain_of(n); });
}

void FakeZone::add_addresses_of_ns(dns::Message& reply, const std::vector<dns::Record>& ns) const {
  for (const auto& rr : ns) {
    auto target = dns::rdata_target(rr);
    if (!target) continue;
    for (std::uint16_t type : {dns::rrtype::A, dns::rrtype::AAAA})
      for (auto& glue : find(*target, type)) reply.additional.push_back(std::move(glue));
  }
}

Action FakeZone::respond(const dns::Message& query) const {
  if (query.questions.size() != 1) return Action::rcode(dns::rcode::formerr);
  const dns::Question& q = query.questions.front();
  if (!q.name.is_subdomain_of(origin_)) return Action::rcode(dns::rcode::refused);
  dns::Message reply;
  if (auto cut = delegation_for(q.name, q.type)) {
    reply.authority = find(*cut, dns::rrtype::NS);
    add_addresses_of_ns(reply, reply.authority);
    return Action::answer(std::move(reply));
  }
  reply.aa = true;
  dns::Name current = q.name;
  std::vector<dns::Name> seen{current};
  for (int hop = 0; hop < 64; ++hop) {
    auto found = find(current, q.type);
    if (!found.empty()) {
      reply.answer.insert(reply.answer.end(), found.begin(), found.end());
      if (q.type == dns::rrtype::NS) add_addresses_of_ns(reply, found);
      return Action::answer(std::move(reply));
    }
    auto cname = find(current, dns::rrtype::CNAME);
    if (cname.empty() || q.type == dns::rrtype::CNAME) break;
    reply.answer.push_back(cname.front());
    current = *dns::rdata_target(cname.front());
    // The chain leaves the zone, is delegated, or loops: the resolver takes it from here.
    if (!current.is_subdomain_of(origin_) || delegation_for(current, q.type) ||
        std::find(seen.begin(), seen.end(), current) != seen.end())
      return Action::answer(std::move(reply));
    seen.push_back(current);
  }
  if (!exists(current)) reply.rcode = dns::rcode::nxdomain;
  reply.authority = find(origin_, dns::rrtype::SOA);
  return Action::answer(std::move(reply));
}

Handler FakeZone::handler() const {
  return [this](const dns::Message& query, Transport) { return respond(query); };
}

// ---- ScriptedServer -------------------------------------------------------------------------

namespace {

/// The reply to send for `query`, with ID, question and flags filled in as `action` says.
dns::Message prepare_reply(const dns::Message& query, const Action& action, Transport transport) {
  dns::Message msg = *action.reply;
  if (!action.keep_id) msg.id = query.id;
  if (!action.keep_question) msg.questions = query.questions;
  msg.qr = true;
  msg.opcode = query.opcode;
  msg.rd = query.rd;
  if (action.echo_edns && query.edns && !msg.edns) msg.edns = dns::Edns{1232, 0, false, {}};
  if (transport == Transport::udp && action.truncate_udp) {
    msg.answer.clear();
    msg.authority.clear();
    msg.additional.clear();
    msg.tc = true;
  }
  return msg;
}

std::size_t udp_limit(const dns::Message& query) {
  return query.edns ? std::max<std::size_t>(512, query.edns->udp_size) : 512;
}

/// The query's question name as sent (the first name after the header), or "" without one.
std::string raw_qname(std::span<const std::uint8_t> packet, const dns::Message& query) {
  if (query.questions.empty()) return {};
  const std::size_t length = query.questions.front().name.wire().size();
  if (packet.size() < dns::header_size + length) return {};
  return std::string(packet.begin() + dns::header_size, packet.begin() + dns::header_size + length);
}

}  // namespace

void put_question_case(std::vector<std::uint8_t>& wire, const std::string& qname) {
  if (wire.size() >= dns::header_size + qname.size() && dns::read_u16(wire, 4) == 1)
    std::copy(qname.begin(), qname.end(), wire.begin() + dns::header_size);
}

ScriptedServer::ScriptedServer(asio::ip::address address, Handler handler)
    : address_(address), handler_(std::move(handler)) {}

std::optional<ScriptedServer::Query> ScriptedServer::receive(std::span<const std::uint8_t> packet,
                                                             Transport transport,
                                                             const asio::ip::address& source) {
  Query q;
  if (dns::parse_message(packet, q.message) != dns::WireError::none || q.message.qr) {
    ++unparsable_;
    return std::nullopt;
  }
  q.qname_wire = raw_qname(packet, q.message);
  const dns::Message& m = q.message;
  received_.push_back(Received{m.questions.empty() ? dns::Question{} : m.questions.front(), transport,
                               m.edns.has_value(), q.qname_wire, m.rd, source});
  try {
    q.action = handler_(m, transport);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scripted server %s: handler threw: %s\n", address_.to_string().c_str(), e.what());
    q.action = Action::silence();
  }
  return q;
}

std::optional<std::vector<std::uint8_t>> ScriptedServer::reply_octets(const Query& query, Transport transport) const {
  const Action& action = query.action;
  if (action.raw_reply) return action.raw_reply(query.message.id, query.qname_wire);
  if (!action.reply) return std::nullopt;
  const dns::Message reply = prepare_reply(query.message, action, transport);
  auto wire = transport == Transport::udp ? dns::build_message(reply, udp_limit(query.message))
                                          : dns::build_message(reply);
  // A real server echoes the question octet for octet (case included).
  if (wire && !action.keep_question && !action.lowercase_question) put_question_case(*wire, query.qname_wire);
  return wire;
}

void ScriptedServer::set_handler(Handler handler) { handler_ = std::move(handler); }

std::size_t ScriptedServer::queries(Transport transport) const {
  return static_cast<std::size_t>(std::count_if(received_.begin(), received_.end(),
                                                [&](const Received& r) { return r.transport == transport; }));
}

std::size_t ScriptedServer::queries(std::string_view qname, std::uint16_t type) const {
  const dns::Name n = name(qname);
  return static_cast<std::size_t>(std::count_if(received_.begin(), received_.end(),
      [&](const Received& r) { return r.question.name == n && r.question.type == type; }));
}

std::size_t ScriptedServer::queries_at_or_below(std::string_view zone) const {
  const dns::Name n = name(zone);
  return static_cast<std::size_t>(std::count_if(received_.begin(), received_.end(),
      [&](const Received& r) { return r.question.name.is_subdomain_of(n); }));
}

void ScriptedServer::reset_counts() {
  received_.clear();
  unparsable_ = 0;
}

}  // namespace tern::testing
