// DNS over TLS to a forward zone's servers (RFC 7858): TCP, a TLS handshake that checks the
// server's certificate chain against the configured CAs and its name against forward-tls-name
// (also sent as SNI), then one query with the 2-octet length framing of DNS over TCP. One
// connection per query: simple and never confused by another query's state; forward zones
// with TLS are expected to carry cache misses only.
#pragma once

#include "resolver/secure_random.hpp"
#include "resolver/upstream_transport.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace tern::resolver {

/// The TLS client settings: the CAs that may sign a forwarder's certificate. Throws
/// std::runtime_error naming the file when it cannot be loaded.
std::shared_ptr<asio::ssl::context> make_tls_client_context(const std::string& ca_file);

class TlsTransport final : public UpstreamTransport {
 public:
  TlsTransport(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> context, SecureRandom& rng)
      : executor_(std::move(executor)), context_(std::move(context)), rng_(rng) {}

  /// request.tls_name is the name the certificate must match; request.tls is not looked at.
  asio::awaitable<ExchangeResult> exchange(const ExchangeRequest& request) override;
  /// A reload's new CAs; queries in flight finish with the context they started with.
  void set_context(std::shared_ptr<asio::ssl::context> context) { context_ = std::move(context); }

 private:
  asio::any_io_executor executor_;
  std::shared_ptr<asio::ssl::context> context_;
  SecureRandom& rng_;
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
