// DNS over TLS to a forward zone's servers (RFC 7858): TCP, a TLS handshake that checks the
// server's certificate chain against the configured CAs and its name against forward-tls-name
// (also sent as SNI), then queries with the 2-octet length framing of DNS over TCP. A
// connection carries one query at a time and is kept afterwards for the next query to the
// same server and name (RFC 7858 §3.4: reuse saves the handshake); when the server has closed
// a kept connection meanwhile, the query is sent once more on a fresh one.
#pragma once

#include "resolver/secure_random.hpp"
#include "resolver/upstream_tap.hpp"
#include "resolver/upstream_transport.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/ssl/context.hpp>

#include <map>
#include <memory>
#include <string>

namespace tern::resolver {

/// The TLS client settings: the CAs that may sign a forwarder's certificate. Throws
/// std::runtime_error naming the file when it cannot be loaded.
std::shared_ptr<asio::ssl::context> make_tls_client_context(const std::string& ca_file);

class TlsTransport final : public UpstreamTransport {
 public:
  TlsTransport(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> context, SecureRandom& rng);
  ~TlsTransport();

  /// request.tls_name is the name the certificate must match; request.tls is not looked at.
  asio::awaitable<ExchangeResult> exchange(const ExchangeRequest& request) override;
  /// A reload's new CAs; queries in flight finish with the context they started with, and
  /// kept connections are dropped so that every later one is checked against the new CAs.
  void set_context(std::shared_ptr<asio::ssl::context> context);
  /// Shows every query sent and reply accepted to `tap` (dnstap, protocol DOT); null = nobody.
  void set_tap(UpstreamTap* tap) noexcept { tap_ = tap; }

  struct Connection;

 private:
  asio::awaitable<ExchangeResult> connect(Connection& connection, const ExchangeRequest& request);
  asio::awaitable<ExchangeResult> ask(Connection& connection, const ExchangeRequest& request);

  asio::any_io_executor executor_;
  std::shared_ptr<asio::ssl::context> context_;
  SecureRandom& rng_;
  UpstreamTap* tap_ = nullptr;  ///< dnstap's resolver messages; null when off
  /// One idle connection per server, port and name; used by this worker's thread only.
  std::map<std::string, std::unique_ptr<Connection>> idle_;
};

/// Sends each request over TLS or over UDP/TCP, as the request says.
class TlsOrPlainTransport final : public UpstreamTransport {
 public:
  TlsOrPlainTransport(UpstreamTransport& plain, UpstreamTransport& tls) : plain_(plain), tls_(tls) {}
  asio::awaitable<ExchangeResult> exchange(const ExchangeRequest& request) override {
    return request.tls ? tls_.exchange(request) : plain_.exchange(request);
  }

 private:
  UpstreamTransport& plain_;
  UpstreamTransport& tls_;
};

}  // namespace tern::resolver
