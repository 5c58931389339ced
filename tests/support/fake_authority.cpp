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

namespace tern::testing {

using asio::ip::tcp;
using asio::ip::udp;
namespace {
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
}

// ---- FakeAuthority -------------------------------------------------------------------------

struct FakeAuthority::State {
  State(asio::io_context& io, asio::ip::address a, Handler h)
      : script(a, std::move(h)), udp_socket(io), other_port(io), acceptor(io) {}

  ScriptedServer script;
  udp::socket udp_socket;
  udp::socket other_port;  ///< same address, another port: the forger's socket
  tcp::acceptor acceptor;
  std::vector<std::weak_ptr<tcp::socket>> sessions;
  bool closed = false;
};

namespace {

using State = FakeAuthority::State;
using StatePtr = std::shared_ptr<State>;

std::string opposite_case(std::string qname) {
  for (char& c : qname)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) c = static_cast<char>(c ^ 0x20);
  return qname;
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

asio::awaitable<void> answer_udp(StatePtr s, ScriptedServer::Query query, udp::endpoint peer) {
  const Action& action = query.action;
  if (action.flood) co_await send_flood(s, query.message, peer, *action.flood);
  co_await wait(action.delay);
  if (action.hold) co_await action.hold->passed();
  if (s->closed) co_return;
  for (const Forgery& forgery : action.before) {
    std::vector<std::uint8_t> bytes = forged_bytes(query.message, forgery, query.qname_wire);
    udp::socket& from = forgery.kind == Forgery::Kind::other_port ? s->other_port : s->udp_socket;
    co_await from.async_send_to(asio::buffer(bytes), peer, use_tuple);
  }
  if (auto wire = s->script.reply_octets(query, Transport::udp))
    co_await s->udp_socket.async_send_to(asio::buffer(*wire), peer, use_tuple);
}

asio::awaitable<void> serve_udp(StatePtr s) {
  std::vector<std::uint8_t> buffer(65535);
  while (!s->closed) {
    udp::endpoint peer;
    auto [ec, n] = co_await s->udp_socket.async_receive_from(asio::buffer(buffer), peer, use_tuple);
    if (ec == asio::error::operation_aborted || s->closed) co_return;
    if (ec) continue;
    auto query = s->script.receive(std::span(buffer.data(), n), Transport::udp, peer.address());
    if (!query) continue;
    asio::co_spawn(s->udp_socket.get_executor(), answer_udp(s, std::move(*query), peer), asio::detached);
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
    asio::error_code ignored;
    auto query = s->script.receive(*body, Transport::tcp, sock->remote_endpoint(ignored).address());
    if (!query) co_return;
    co_await wait(query->action.delay);
    if (query->action.hold) co_await query->action.hold->passed();
    if (s->closed) co_return;
    auto wire = s->script.reply_octets(*query, Transport::tcp);
    if (!wire) continue;  // silent over TCP too: the client's timer ends it
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
  const udp::endpoint udp_ep(s.script.address(), 53);
  s.udp_socket.open(udp_ep.protocol());
  s.udp_socket.bind(udp_ep);
  s.other_port.open(udp_ep.protocol());
  s.other_port.bind(udp::endpoint(s.script.address(), 0));
  const tcp::endpoint tcp_ep(s.script.address(), 53);
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

ScriptedServer& FakeAuthority::script() noexcept { return state_->script; }

}  // namespace tern::testing
