// No query vanishes: an exception while answering becomes SERVFAIL to the client (or a drop
// when its ID and question cannot be read), queries.internal-errors and a log line; over UDP and
// TCP and DoT the listeners send that SERVFAIL. Resolutions are made to throw through the tests' own
// stand-in (QueryHandlerTestAccess), which ternd cannot reach. The listener cases use loopback
// sockets on ports the kernel picks.
#include "query_handler_fixture.hpp"

#include "daemon/answering/ip_ratelimit.hpp"
#include "daemon/listeners/client_coroutine.hpp"
#include "daemon/listeners/connection_limits.hpp"
#include "daemon/listeners/tcp_listener.hpp"
#include "daemon/listeners/tls_context.hpp"
#include "daemon/listeners/tls_listener.hpp"
#include "daemon/listeners/udp_listener.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/read.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

using namespace tern;
using namespace tern::test;

namespace {

asio::awaitable<resolver::Outcome> throwing_resolution(dns::Question) {
  throw std::runtime_error("injected by the test");
  co_return resolver::Outcome{};
}

void make_resolutions_throw(Fixture& f) {
  daemon::QueryHandlerTestAccess::replace_resolution(f.handler, throwing_resolution);
}

/// The SERVFAIL a client must get for query("www.example.lab"): its ID and question echoed.
void check_servfail_for_the_query(const dns::Message& m) {
  CHECK(m.id == 0x1234);
  CHECK(m.qr);
  CHECK(m.rcode == dns::rcode::servfail);
  REQUIRE(m.questions.size() == 1);
  CHECK(m.questions.front().name.to_text() == "www.example.lab.");
}

}  // namespace

TEST_CASE("a resolution that throws gets SERVFAIL, counted as an internal error", "[handler][internal-error]") {
  Fixture f;
  make_resolutions_throw(f);
  auto r = f.ask(query("www.example.lab"));
  REQUIRE(r);
  check_servfail_for_the_query(*r);
  CHECK(f.stats.internal_errors == 1);
  CHECK(f.stats.responses_by_rcode[dns::rcode::servfail] == 1);
  // ANY takes its own path to the resolver: the same catch-all.
  r = f.ask(query("www.example.lab", dns::rrtype::ANY));
  REQUIRE(r);
  CHECK(r->rcode == dns::rcode::servfail);
  CHECK(f.stats.internal_errors == 2);
  // Nothing was cached: the next query resolves normally.
  daemon::QueryHandlerTestAccess::replace_resolution(f.handler, {});
  r = f.ask(query("www.example.lab"));
  REQUIRE(r);
  CHECK(r->rcode == dns::rcode::noerror);
  CHECK(f.stats.internal_errors == 2);
}

TEST_CASE("serve-stale: a refresh that throws serves the stale answer, counted", "[handler][internal-error]") {
  Fixture f;
  auto policy = std::make_shared<daemon::ClientPolicy>(*f.policy);
  policy->serve_stale = true;
  f.handler.set_policy(policy);
  REQUIRE(f.ask(query("www.example.lab"))->rcode == dns::rcode::noerror);
  f.clock.advance(std::chrono::seconds(400));  // past the answer's 300 s
  make_resolutions_throw(f);
  auto r = f.ask(query("www.example.lab"));
  REQUIRE(r);
  CHECK(r->rcode == dns::rcode::noerror);
  CHECK(r->answer.size() == 1);
  CHECK(f.stats.stale_answers == 1);
  CHECK(f.stats.internal_errors == 1);
}

TEST_CASE("CountEscaped counts a client coroutine an exception ended, and only that", "[internal-error]") {
  asio::io_context io;
  daemon::DaemonStats stats;
  auto fails = []() -> asio::awaitable<void> {
    throw std::runtime_error("injected by the test");
    co_return;
  };
  auto succeeds = []() -> asio::awaitable<void> { co_return; };
  asio::co_spawn(io, fails(), daemon::CountEscaped(stats, "test"));
  asio::co_spawn(io, succeeds(), daemon::CountEscaped(stats, "test"));
  io.run();
  CHECK(stats.internal_errors == 1);
}

namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

/// Sends `packet` over UDP to `server` and returns the reply (empty after 5 s without one).
asio::awaitable<std::vector<std::uint8_t>> ask_udp(asio::ip::udp::endpoint server, std::vector<std::uint8_t> packet) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::udp::socket socket(executor, asio::ip::udp::endpoint(server.address(), 0));
  asio::steady_timer deadline(executor, std::chrono::seconds(5));
  deadline.async_wait([&socket](asio::error_code ec) {
    if (!ec) socket.close();
  });
  co_await socket.async_send_to(asio::buffer(packet), server, use_tuple);
  std::vector<std::uint8_t> reply(65535);
  auto [ec, n] = co_await socket.async_receive(asio::buffer(reply), use_tuple);
  deadline.cancel();
  reply.resize(ec ? 0 : n);
  co_return reply;
}

/// Sends `packet` framed over `stream` (connected) and returns the framed reply's body.
template <typename Stream>
asio::awaitable<std::vector<std::uint8_t>> framed_ask(Stream& stream, const std::vector<std::uint8_t>& packet) {
  std::vector<std::uint8_t> frame(2 + packet.size());
  frame[0] = static_cast<std::uint8_t>(packet.size() >> 8);
  frame[1] = static_cast<std::uint8_t>(packet.size() & 0xff);
  std::copy(packet.begin(), packet.end(), frame.begin() + 2);
  std::vector<std::uint8_t> reply;
  if (auto [e0, n0] = co_await asio::async_write(stream, asio::buffer(frame), use_tuple); e0) co_return reply;
  std::array<std::uint8_t, 2> prefix{};
  if (auto [e1, n1] = co_await asio::async_read(stream, asio::buffer(prefix), use_tuple); e1) co_return reply;
  reply.resize(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]));
  auto [e2, n2] = co_await asio::async_read(stream, asio::buffer(reply), use_tuple);
  if (e2) reply.clear();
  co_return reply;
}

/// Sends `packet` framed over TCP, or over TLS when `tls` is given, to `server`; the reply's
/// body, empty when there was none within 5 s.
asio::awaitable<std::vector<std::uint8_t>> ask_stream(asio::ip::tcp::endpoint server, std::vector<std::uint8_t> packet,
                                                      asio::ssl::context* tls = nullptr) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::socket socket(executor);
  asio::steady_timer deadline(executor, std::chrono::seconds(5));
  deadline.async_wait([&socket](asio::error_code ec) {
    if (!ec) socket.close();
  });
  std::vector<std::uint8_t> reply;
  if (auto [ec] = co_await socket.async_connect(server, use_tuple); !ec) {
    if (!tls) {
      reply = co_await framed_ask(socket, packet);
    } else {
      asio::ssl::stream<asio::ip::tcp::socket&> stream(socket, *tls);
      if (auto [e] = co_await stream.async_handshake(asio::ssl::stream_base::client, use_tuple); !e)
        reply = co_await framed_ask(stream, packet);
    }
  }
  deadline.cancel();
  co_return reply;
}

/// A self-signed P-256 certificate as dir/cert.pem and its key as dir/key.pem (mode 0600, as
/// ternd demands), made with OpenSSL's API: DoT needs one.
void make_certificate(const std::string& dir) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                                                          EVP_PKEY_free);
  REQUIRE(key);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  REQUIRE(cert);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("tern-unit"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_file(BIO_new_file((dir + "/cert.pem").c_str(), "w"), BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> key_file(BIO_new_file((dir + "/key.pem").c_str(), "w"), BIO_free);
  REQUIRE((cert_file && key_file));
  REQUIRE(PEM_write_bio_X509(cert_file.get(), cert.get()) == 1);
  REQUIRE(PEM_write_bio_PrivateKey(key_file.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  REQUIRE(::chmod((dir + "/key.pem").c_str(), 0600) == 0);
}

dns::Message parsed(const std::vector<std::uint8_t>& wire) {
  dns::Message m;
  REQUIRE(dns::parse_message(wire, m) == dns::WireError::none);
  return m;
}

}  // namespace

TEST_CASE("over UDP and TCP, a query whose resolution throws is answered SERVFAIL", "[internal-error][listener]") {
  Fixture f;
  make_resolutions_throw(f);
  daemon::ActiveQueries active;
  daemon::IpRateLimiter limiter(cache::HashKey{3, 4});
  const auto loopback = asio::ip::make_address("127.0.0.1");
  auto udp = daemon::open_udp_socket(f.io.get_executor(), asio::ip::udp::endpoint(loopback, 0));
  auto tcp = daemon::open_tcp_acceptor(f.io.get_executor(), asio::ip::tcp::endpoint(loopback, 0));
  daemon::ConnectionCounter connections;
  daemon::StreamLimits limits;
  limits.open_connections = &connections;
  asio::co_spawn(f.io, daemon::serve_udp(udp, f.handler, active, f.stats, limiter, 4), daemon::CountEscaped(f.stats, "test"));
  asio::co_spawn(f.io, daemon::serve_tcp(tcp, {f.handler, active, limits, f.stats}), daemon::CountEscaped(f.stats, "test"));
  std::vector<std::uint8_t> udp_reply, tcp_reply;
  asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
    udp_reply = co_await ask_udp(udp.local_endpoint(), query("www.example.lab"));
    tcp_reply = co_await ask_stream(tcp.local_endpoint(), query("www.example.lab"));
    udp.close();
    tcp.close();
  }, asio::detached);
  f.io.run_for(std::chrono::seconds(30));
  REQUIRE_FALSE(udp_reply.empty());
  check_servfail_for_the_query(parsed(udp_reply));
  REQUIRE_FALSE(tcp_reply.empty());
  check_servfail_for_the_query(parsed(tcp_reply));
  CHECK(f.stats.internal_errors == 2);
  CHECK(f.stats.responses_by_rcode[dns::rcode::servfail] == 2);
}

TEST_CASE("over DNS over TLS, a query whose resolution throws is answered SERVFAIL", "[internal-error][listener][dot]") {
  char dir_template[] = "/tmp/tern-unit-dot-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  make_certificate(dir);
  daemon::Config config;
  config.tls_certificate = dir + "/cert.pem";
  config.tls_private_key = dir + "/key.pem";
  daemon::TlsContextStore contexts(config);
  Fixture f;
  make_resolutions_throw(f);
  daemon::ActiveQueries active;
  auto acceptor = daemon::open_tcp_acceptor(f.io.get_executor(),
                                            asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  daemon::ConnectionCounter connections;
  daemon::StreamLimits limits;
  limits.open_connections = &connections;
  const std::chrono::milliseconds handshake_timeout{5000};
  asio::co_spawn(f.io, daemon::serve_tls(acceptor, contexts, {f.handler, active, limits, f.stats}, handshake_timeout),
                 daemon::CountEscaped(f.stats, "test"));
  asio::ssl::context client(asio::ssl::context::tls_client);
  client.set_verify_mode(asio::ssl::verify_none);  // the certificate is not what this tests
  std::vector<std::uint8_t> reply;
  asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
    reply = co_await ask_stream(acceptor.local_endpoint(), query("www.example.lab"), &client);
    acceptor.close();
  }, asio::detached);
  f.io.run_for(std::chrono::seconds(30));
  std::filesystem::remove_all(dir);
  REQUIRE_FALSE(reply.empty());
  check_servfail_for_the_query(parsed(reply));
  CHECK(f.stats.tls_accepted == 1);
  CHECK(f.stats.internal_errors == 1);
}
