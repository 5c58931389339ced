#include "resolver/tls_transport.hpp"

#include "resolver/framed_exchange.hpp"
#include "resolver/log.hpp"
#include "resolver/udp_tcp_transport.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdexcept>
#include <vector>

namespace tern::resolver {

using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

namespace {

/// Connect, handshake, query and answer together: a TLS handshake costs two round trips more
/// than a query, and a forwarder may recurse before it answers.
constexpr std::chrono::milliseconds tls_exchange_timeout{5000};

}  // namespace

std::shared_ptr<asio::ssl::context> make_tls_client_context(const std::string& ca_file) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  // RFC 8310 §9 / RFC 7525: TLS 1.2 at least.
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  asio::error_code ec;
  if (ca_file.empty()) {
    context->set_default_verify_paths(ec);
  } else {
    context->load_verify_file(ca_file, ec);
  }
  if (ec) {
    throw std::runtime_error("cannot load the TLS CAs from " + (ca_file.empty() ? std::string("the system store") : ca_file) +
                             ": " + ec.message());
  }
  context->set_verify_mode(asio::ssl::verify_peer);
  return context;
}

/// One TLS connection, with the context it was made with (which must outlive it) and the
/// timer that bounds the query under way on it.
struct TlsTransport::Connection {
  Connection(const asio::any_io_executor& executor, std::shared_ptr<asio::ssl::context> ctx)
      : context(std::move(ctx)), stream(executor, *context), deadline(executor) {}
  std::shared_ptr<asio::ssl::context> context;
  asio::ssl::stream<tcp::socket> stream;
  asio::steady_timer deadline;
};

TlsTransport::TlsTransport(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> context,
                           SecureRandom& rng)
    : executor_(std::move(executor)), context_(std::move(context)), rng_(rng) {}

TlsTransport::~TlsTransport() = default;

void TlsTransport::set_context(std::shared_ptr<asio::ssl::context> context) {
  context_ = std::move(context);
  idle_.clear();
}

asio::awaitable<ExchangeResult> TlsTransport::exchange(const ExchangeRequest& request) {
  const std::string key = request.server.to_string() + "@" + std::to_string(request.port) + "#" + request.tls_name;
  if (auto kept = idle_.find(key); kept != idle_.end()) {
    std::unique_ptr<Connection> connection = std::move(kept->second);
    idle_.erase(kept);
    connection->deadline.expires_after(tls_exchange_timeout);
    ExchangeResult result = co_await ask(*connection, request);
    if (result.status == ExchangeStatus::ok) {
      idle_.try_emplace(key, std::move(connection));
      co_return result;
    }
    // The server may close an idle connection at any time (RFC 7766 §6.2.3): try a fresh one.
  }
  auto connection = std::make_unique<Connection>(executor_, context_);
  connection->deadline.expires_after(tls_exchange_timeout);
  ExchangeResult result = co_await connect(*connection, request);
  if (result.status != ExchangeStatus::ok) co_return result;
  result = co_await ask(*connection, request);
  if (result.status == ExchangeStatus::ok) idle_.try_emplace(key, std::move(connection));
  co_return result;
}

asio::awaitable<ExchangeResult> TlsTransport::connect(Connection& connection, const ExchangeRequest& request) {
  ExchangeResult result;
  result.over_tcp = true;
  result.status = ExchangeStatus::error;
  SSL* ssl = connection.stream.native_handle();
  // SNI, and the name the certificate must carry (checked by OpenSSL during the handshake,
  // RFC 6125 rules: SAN dNSName, wildcards in the leftmost label only).
  if (SSL_set_tlsext_host_name(ssl, request.tls_name.c_str()) != 1 || SSL_set1_host(ssl, request.tls_name.c_str()) != 1) {
    log::warning("DNS over TLS to {}: cannot use the name '{}'", request.server.to_string(), request.tls_name);
    co_return result;
  }
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const tcp::endpoint server(request.server, request.port);
  auto connected = co_await (connection.stream.lowest_layer().async_connect(server, use_tuple) ||
                             connection.deadline.async_wait(use_tuple));
  if (connected.index() == 1) {
    result.status = ExchangeStatus::timeout;
    co_return result;
  }
  if (auto ec = std::get<0>(std::get<0>(connected))) {
    result.status = ec == asio::error::connection_refused ? ExchangeStatus::unreachable : ExchangeStatus::error;
    co_return result;
  }
  auto shaken = co_await (connection.stream.async_handshake(asio::ssl::stream_base::client, use_tuple) ||
                          connection.deadline.async_wait(use_tuple));
  if (shaken.index() == 1) {
    result.status = ExchangeStatus::timeout;
    co_return result;
  }
  if (auto ec = std::get<0>(std::get<0>(shaken))) {
    // Most often a certificate that does not verify: say so, the operator must act.
    const long verify = SSL_get_verify_result(ssl);
    log::warning("DNS over TLS to {}@{} ({}): handshake failed: {}{}", request.server.to_string(), request.port,
                 request.tls_name, ec.message(),
                 verify != X509_V_OK ? std::string(" (") + X509_verify_cert_error_string(verify) + ")" : std::string());
    co_return result;
  }
  result.status = ExchangeStatus::ok;
  co_return result;
}

asio::awaitable<ExchangeResult> TlsTransport::ask(Connection& connection, const ExchangeRequest& request) {
  ExchangeResult result;
  result.over_tcp = true;
  result.status = ExchangeStatus::error;
  const std::uint16_t id = rng_.u16();
  std::vector<std::uint8_t> query = dns::build_query(request.question, id, request.edns_size);
  if (request.recursion_desired) query[2] |= 0x01;
  const auto start = std::chrono::steady_clock::now();
  auto accept = [&](const dns::Message& reply) { return reply_matches(reply, id, request.question); };
  std::vector<std::uint8_t> body;
  UpstreamTapExchange tapped;
  if (tap_) {
    asio::error_code ec;
    const tcp::endpoint local = connection.stream.lowest_layer().local_endpoint(ec);
    const std::string& zone = request.zone.wire();
    tapped = UpstreamTapExchange{UpstreamProtocol::tls, local.address(), local.port(), request.server, request.port,
                                 std::span(reinterpret_cast<const std::uint8_t*>(zone.data()), zone.size()),
                                 tap_now()};
    tap_->upstream_query(tapped, query);
  }
  switch (co_await framed_exchange(connection.stream, connection.deadline, query, accept, result, body)) {
    case FramedEnd::answered:
      result.rtt = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
      if (tap_) tap_->upstream_response(tapped, body, tap_now());
      break;
    case FramedEnd::timed_out: result.status = ExchangeStatus::timeout; break;
    // A broken stream (or one that sent a malformed reply: it cannot be resynchronised) is not kept.
    case FramedEnd::failed:
    case FramedEnd::malformed: result.status = ExchangeStatus::error; break;
  }
  co_return result;
}

}  // namespace tern::resolver
