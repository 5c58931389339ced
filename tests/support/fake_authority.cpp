#include "tests/support/fake_authority.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>

namespace tern::testing {

using asio::ip::tcp;
using asio::ip::udp;
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
  if (!address.empty()) add(std::string(ns_name) + " 300 IN A " + std::string(address));
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

// ---- FakeAuthority -------------------------------------------------------------------------

struct FakeAuthority::State {
  State(asio::io_context& io, asio::ip::address a, Handler h)
      : address(a), handler(std::move(h)), udp_socket(io), other_port(io), acceptor(io) {}

  asio::ip::address address;
  Handler handler;
  udp::socket udp_socket;
  udp::socket other_port;  ///< same address, another port: the forger's socket
  tcp::acceptor acceptor;
  std::vector<std::weak_ptr<tcp::socket>> sessions;
  std::vector<Received> received;
  std::size_t unparsable = 0;
  bool closed = false;
};

namespace {

using State = FakeAuthority::State;
using StatePtr = std::shared_ptr<State>;

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

/// Writes `qname` (the query's own spelling) over the question name of `wire`: a real server
/// echoes the question octet for octet. Same name, same length.
void put_question_case(std::vector<std::uint8_t>& wire, const std::string& qname) {
  if (wire.size() >= dns::header_size + qname.size() && dns::read_u16(wire, 4) == 1)
    std::copy(qname.begin(), qname.end(), wire.begin() + dns::header_size);
}

std::string opposite_case(std::string qname) {
  for (char& c : qname)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) c = static_cast<char>(c ^ 0x20);
  return qname;
}

/// The query's question name as sent (the first name after the header), or "" without one.
std::string raw_qname(std::span<const std::uint8_t> packet, const dns::Message& query) {
  if (query.questions.empty()) return {};
  const std::size_t length = query.questions.front().name.wire().size();
  if (packet.size() < dns::header_size + length) return {};
  return std::string(packet.begin() + dns::header_size, packet.begin() + dns::header_size + length);
}

/// The octets of one forged datagram.
std::vector<std::uint8_t> forged_bytes(const dns::Message& query, const Forgery& forgery, const std::string& qname) {
  if (forgery.kind == Forgery::Kind::raw) return forgery.bytes;
  dns::Message msg = forgery.message;
  msg.qr = true;
  msg.id = forgery.kind == Forgery::Kind::wrong_id ? static_cast<std::uint16_t>(query.id ^ 0x5a5a) : query.id;
  if (msg.questions.empty()) msg.questions = query.questions;
  if (forgery.kind == Forgery::Kind::other_question && msg.questions == query.questions)
    msg.questions.front().type = dns::rrtype::TXT;  // never the question asked
  auto wire = dns::build_message(msg);
  if (!wire) return {};
  if (forgery.kind == Forgery::Kind::other_case) put_question_case(*wire, opposite_case(qname));
  return *wire;
}

void record_query(State& s, const dns::Message& query, Transport transport, std::string qname,
                  const asio::ip::address& source) {
  s.received.push_back(Received{query.questions.empty() ? dns::Question{} : query.questions.front(),
                                transport, query.edns.has_value(), std::move(qname), query.rd, source});
}

Action call_handler(State& s, const dns::Message& query, Transport transport) {
  try {
    return s.handler(query, transport);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake authority %s: handler threw: %s\n", s.address.to_string().c_str(), e.what());
    return Action::silence();
  }
}

asio::awaitable<void> wait(std::chrono::milliseconds delay) {
  if (delay.count() <= 0) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(use_tuple);
}

/// Sends `flood` (see Flood): the forged reply, its ID patched per datagram.
asio::awaitable<void> send_flood(StatePtr s, const dns::Message& query,
                                 const udp::endpoint& peer, const Flood& flood) {
  dns::Message msg = flood.message;
  msg.qr = true;
  msg.rd = query.rd;
  if (msg.questions.empty()) msg.questions = query.questions;
  auto built = dns::build_message(msg);
  if (!built) co_return;
  std::vector<std::uint8_t> wire = std::move(*built);  // the name in lower case: the forger cannot
                                                       // know the case 0x20 gave the query
  // Every (port, ID) the forger tries, in order: near-misses to the real port first.
  std::vector<std::pair<std::uint16_t, std::uint16_t>> tries;
  for (unsigned k = 1; k <= flood.own_port_wrong_ids; ++k)
    tries.emplace_back(peer.port(), static_cast<std::uint16_t>(query.id + k));
  for (std::uint16_t port : flood.ports)
    for (unsigned id = 0; id < flood.ids; ++id) tries.emplace_back(port, static_cast<std::uint16_t>(id));
  for (const auto& [port, id] : tries) {
    wire[0] = static_cast<std::uint8_t>(id >> 8);
    wire[1] = static_cast<std::uint8_t>(id);
    const udp::endpoint to(peer.address(), port);
    co_await s->udp_socket.async_send_to(asio::buffer(wire), to, use_tuple);
  }
}

asio::awaitable<void> answer_udp(StatePtr s, dns::Message query, std::string qname, udp::endpoint peer,
                                 Action action) {
  if (action.flood) co_await send_flood(s, query, peer, *action.flood);
  co_await wait(action.delay);
  if (action.hold) co_await action.hold->passed();
  if (s->closed) co_return;
  for (const Forgery& forgery : action.before) {
    std::vector<std::uint8_t> bytes = forged_bytes(query, forgery, qname);
    udp::socket& from = forgery.kind == Forgery::Kind::other_port ? s->other_port : s->udp_socket;
    co_await from.async_send_to(asio::buffer(bytes), peer, use_tuple);
  }
  if (action.raw_reply) {
    const std::vector<std::uint8_t> raw = action.raw_reply(query.id, qname);
    co_await s->udp_socket.async_send_to(asio::buffer(raw), peer, use_tuple);
    co_return;
  }
  if (!action.reply) co_return;
  auto wire = dns::build_message(prepare_reply(query, action, Transport::udp), udp_limit(query));
  if (wire && !action.keep_question && !action.lowercase_question) put_question_case(*wire, qname);
  if (wire) co_await s->udp_socket.async_send_to(asio::buffer(*wire), peer, use_tuple);
}

asio::awaitable<void> serve_udp(StatePtr s) {
  std::vector<std::uint8_t> buffer(65535);
  while (!s->closed) {
    udp::endpoint peer;
    auto [ec, n] = co_await s->udp_socket.async_receive_from(asio::buffer(buffer), peer, use_tuple);
    if (ec == asio::error::operation_aborted || s->closed) co_return;
    if (ec) continue;
    dns::Message query;
    if (dns::parse_message(std::span(buffer.data(), n), query) != dns::WireError::none || query.qr) {
      ++s->unparsable;
      continue;
    }
    std::string qname = raw_qname(std::span(buffer.data(), n), query);
    record_query(*s, query, Transport::udp, qname, peer.address());
    Action action = call_handler(*s, query, Transport::udp);
    asio::co_spawn(s->udp_socket.get_executor(),
                   answer_udp(s, std::move(query), std::move(qname), peer, std::move(action)), asio::detached);
  }
}

/// Reads one length-prefixed message; nullopt at EOF or error.
asio::awaitable<std::optional<std::vector<std::uint8_t>>> read_framed(tcp::socket& sock) {
  std::array<std::uint8_t, 2> prefix{};
  auto [ec, n] = co_await asio::async_read(sock, asio::buffer(prefix), use_tuple);
  if (ec) co_return std::nullopt;
  std::vector<std::uint8_t> body(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]));
  auto [ec2, n2] = co_await asio::async_read(sock, asio::buffer(body), use_tuple);
  if (ec2) co_return std::nullopt;
  co_return body;
}

asio::awaitable<void> serve_tcp_session(StatePtr s, std::shared_ptr<tcp::socket> sock) {
  while (!s->closed) {
    auto body = co_await read_framed(*sock);
    if (!body) co_return;
    dns::Message query;
    if (dns::parse_message(*body, query) != dns::WireError::none || query.qr) {
      ++s->unparsable;
      co_return;
    }
    const std::string qname = raw_qname(*body, query);
    asio::error_code ignored;
    record_query(*s, query, Transport::tcp, qname, sock->remote_endpoint(ignored).address());
    Action action = call_handler(*s, query, Transport::tcp);
    co_await wait(action.delay);
    if (action.hold) co_await action.hold->passed();
    if (s->closed) co_return;
    std::optional<std::vector<std::uint8_t>> wire;
    if (action.raw_reply) {
      wire = action.raw_reply(query.id, qname);
    } else {
      if (!action.reply) continue;  // silent over TCP too: the client's timer ends it
      wire = dns::build_message(prepare_reply(query, action, Transport::tcp));
      if (!wire) continue;
      if (!action.keep_question && !action.lowercase_question) put_question_case(*wire, qname);
    }
    std::array<std::uint8_t, 2> prefix{static_cast<std::uint8_t>(wire->size() >> 8),
                                       static_cast<std::uint8_t>(wire->size())};
    std::array<asio::const_buffer, 2> out{asio::buffer(prefix), asio::buffer(*wire)};
    auto [ec, n] = co_await asio::async_write(*sock, out, use_tuple);
    if (ec) co_return;
  }
}

asio::awaitable<void> serve_tcp(StatePtr s) {
  while (!s->closed) {
    auto sock = std::make_shared<tcp::socket>(s->acceptor.get_executor());
    auto [ec] = co_await s->acceptor.async_accept(*sock, use_tuple);
    if (ec == asio::error::operation_aborted || s->closed) co_return;
    if (ec) continue;
    s->sessions.push_back(sock);
    asio::co_spawn(s->acceptor.get_executor(), serve_tcp_session(s, sock), asio::detached);
  }
}

void open_sockets(State& s) {
  const udp::endpoint udp_ep(s.address, 53);
  s.udp_socket.open(udp_ep.protocol());
  s.udp_socket.bind(udp_ep);
  s.other_port.open(udp_ep.protocol());
  s.other_port.bind(udp::endpoint(s.address, 0));
  const tcp::endpoint tcp_ep(s.address, 53);
  s.acceptor.open(tcp_ep.protocol());
  s.acceptor.set_option(tcp::acceptor::reuse_address(true));
  s.acceptor.bind(tcp_ep);
  s.acceptor.listen();
}

}  // namespace

FakeAuthority::FakeAuthority(asio::io_context& io, std::string_view address, Handler handler)
    : state_(std::make_shared<State>(io, asio::ip::make_address(std::string(address)), std::move(handler))) {
  open_sockets(*state_);
  asio::co_spawn(io, serve_udp(state_), asio::detached);
  asio::co_spawn(io, serve_tcp(state_), asio::detached);
}

FakeAuthority::~FakeAuthority() {
  state_->closed = true;
  asio::error_code ignored;
  state_->udp_socket.close(ignored);
  state_->other_port.close(ignored);
  state_->acceptor.close(ignored);
  for (auto& weak : state_->sessions)
    if (auto sock = weak.lock()) sock->close(ignored);
}

void FakeAuthority::set_handler(Handler handler) { state_->handler = std::move(handler); }

const asio::ip::address& FakeAuthority::address() const noexcept { return state_->address; }

const std::vector<Received>& FakeAuthority::received() const noexcept { return state_->received; }

std::size_t FakeAuthority::queries(Transport transport) const {
  return static_cast<std::size_t>(std::count_if(state_->received.begin(), state_->received.end(),
                                                [&](const Received& r) { return r.transport == transport; }));
}

std::size_t FakeAuthority::queries(std::string_view qname, std::uint16_t type) const {
  const dns::Name n = name(qname);
  return static_cast<std::size_t>(std::count_if(state_->received.begin(), state_->received.end(),
      [&](const Received& r) { return r.question.name == n && r.question.type == type; }));
}

std::size_t FakeAuthority::queries_at_or_below(std::string_view zone) const {
  const dns::Name n = name(zone);
  return static_cast<std::size_t>(std::count_if(state_->received.begin(), state_->received.end(),
      [&](const Received& r) { return r.question.name.is_subdomain_of(n); }));
}

std::size_t FakeAuthority::unparsable() const noexcept { return state_->unparsable; }

void FakeAuthority::reset_counts() {
  state_->received.clear();
  state_->unparsable = 0;
}

}  // namespace tern::testing
