#include "daemon/process/worker.hpp"

#include "daemon/config/config_values.hpp"
#include "daemon/listeners/client_coroutine.hpp"
#include "daemon/answering/ddr_records.hpp"
#include "daemon/listeners/https_listener.hpp"
#include "daemon/listeners/tls_listener.hpp"
#include "resolver/log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace tern::daemon {

namespace {

// How cache-size is divided: answers are what clients hit, RRsets make walks short, the
// infra cache only needs a few entries per server ever asked.
constexpr unsigned answer_share_pct = 50, rrset_share_pct = 45, infra_share_pct = 5;

resolver::OutgoingAddresses outgoing_from(const Config& config) {
  resolver::OutgoingAddresses out;
  for (const auto& a : config.outgoing_address) {
    if (a.is_v4()) out.v4.push_back(a);
    if (a.is_v6()) out.v6.push_back(a);
  }
  return out;
}

/// The body of Worker::trace, a free coroutine so that it owns its arguments.
asio::awaitable<void> trace_into(resolver::Resolver& resolver, dns::Question question,
                                 std::shared_ptr<std::promise<resolver::TraceResult>> promise) {
  resolver::TraceResult result = co_await resolver.trace(std::move(question));
  promise->set_value(std::move(result));
}

/// The body of Worker::refresh, a free coroutine so that it owns its arguments.
asio::awaitable<void> refresh_into(resolver::Resolver& resolver, dns::Question question,
                                   std::shared_ptr<std::promise<resolver::Outcome>> promise) {
  resolver::Outcome outcome = co_await resolver.refresh(std::move(question));
  promise->set_value(std::move(outcome));
}

/// The TLS client context for tls-ca-file. The loader has checked the file; should it have
/// changed since, DNS over TLS fails (and says so) instead of the daemon.
std::shared_ptr<asio::ssl::context> tls_context(const Config& config) {
  try {
    return resolver::make_tls_client_context(config.tls_ca_file);
  } catch (const std::exception& e) {
    log::error("{}; DNS over TLS to forwarders will fail", e.what());
    auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    context->set_verify_mode(asio::ssl::verify_peer);
    return context;
  }
}

/// Runs `bind`; a system error it throws comes out as a ListenError naming the endpoint.
template <class Bind>
void named_bind(const ListenEndpoint& endpoint, std::string_view transport, Bind bind) {
  try {
    bind();
  } catch (const std::system_error& e) {
    throw ListenError(e.code(), format_listen_endpoint(endpoint) + " (" + std::string(transport) + ")");
  }
}

/// The bound on resolutions in flight a Config asks for.
WalkAdmissionLimits admission_limits(const Config& config) {
  return WalkAdmissionLimits{config.max_resolutions_per_worker,
                             std::chrono::milliseconds(config.resolution_jostle_timeout_ms)};
}

}  // namespace

ListenError::ListenError(std::error_code code, std::string where)
    : std::system_error(code, where), where_(std::move(where)) {}

cache::TtlBounds positive_bounds(const Config& config) {
  return cache::TtlBounds{config.cache_min_ttl, config.cache_max_ttl};
}

cache::TtlBounds negative_bounds(const Config& config) {
  return cache::TtlBounds{config.cache_min_negative_ttl, config.cache_max_negative_ttl};
}

cache::FailureBounds failure_bounds(const Config& config) {
  return cache::FailureBounds{config.cache_min_failure_ttl, config.cache_max_failure_ttl};
}

dnstap::Options dnstap_options(const Config& config) {
  dnstap::Options o;
  o.client_query = config.dnstap_log_client_query;
  o.client_response = config.dnstap_log_client_response;
  o.resolver_query = config.dnstap_log_resolver_query;
  o.resolver_response = config.dnstap_log_resolver_response;
  if (config.dnstap_send_identity) o.identity = config.dnstap_identity.empty() ? host_name() : config.dnstap_identity;
  if (config.dnstap_send_version) o.version = config.dnstap_version.empty() ? default_version() : config.dnstap_version;
  return o;
}

std::unique_ptr<dnstap::Writer> start_dnstap(const Config& config, unsigned workers) {
  dnstap::Target target;
  if (!config.dnstap_socket.empty()) {
    target.socket_path = config.dnstap_socket;
  } else if (config.dnstap_address) {
    target.address = config.dnstap_address->address.to_string();
    target.port = config.dnstap_address->port;
  } else {
    return nullptr;
  }
  return std::make_unique<dnstap::Writer>(target, workers);
}

SharedState::SharedState(const Config& config, resolver::RootHints h)
    : hash_key(cache::random_hash_key()),
      rrsets(config.cache_size / 100 * rrset_share_pct, hash_key, clock, positive_bounds(config)),
      answers(config.cache_size / 100 * answer_share_pct, hash_key, clock, positive_bounds(config),
              negative_bounds(config), failure_bounds(config)),
      infra(config.cache_size / 100 * infra_share_pct, hash_key, clock),
      hints(std::move(h)),
      tls(config.tls_listen.empty() && config.https_listen.empty() ? nullptr : std::make_unique<TlsContextStore>(config)),
      cookie_secrets(std::chrono::seconds(config.cookie_secret_rotation), unix_now()),
      ip_ratelimit(hash_key),
      proxy_sources(config.proxy_protocol_from.empty()
                        ? nullptr
                        : std::make_unique<const ProxySources>(config.proxy_protocol_from)),
      dnstap_options(daemon::dnstap_options(config)),
      dnstap_writer(start_dnstap(config, config.threads)) {
  ip_ratelimit.configure(config.ip_ratelimit, config.ip_ratelimit_slip);
}

void SharedState::reconfigure(const Config& config) {
  rrsets.set_bounds(positive_bounds(config));
  answers.set_bounds(positive_bounds(config), negative_bounds(config));
  answers.failures().set_bounds(failure_bounds(config));
  stale_grace_seconds = config.serve_stale ? config.serve_stale_max : 0;
  // A reload also replaces the cookie secret (the previous one stays valid until the next).
  cookie_secrets.set_rotation(std::chrono::seconds(config.cookie_secret_rotation));
  cookie_secrets.rotate(unix_now());
  if (tls) tls->reload(config);
  ip_ratelimit.configure(config.ip_ratelimit, config.ip_ratelimit_slip);
}

std::size_t SharedState::sweep() {
  if (tls) tls->rotate_ticket_keys_if_due();  // the same once-a-second timer rotates ticket keys
  const cache::TimePoint now = clock.now();
  return rrsets.entries().sweep_expired(now) + infra.entries().sweep_expired(now) +
         answers.entries().sweep_expired(now, std::chrono::seconds(stale_grace_seconds.load())) +
         answers.failures().entries().sweep_expired(now);
}

std::shared_ptr<const resolver::ZoneRoutes> zone_routes(const Config& config) {
  std::vector<resolver::ZoneRoute> routes;
  auto add = [&](const ZoneRouteConfig& zone, resolver::ZoneRoute::Kind kind) {
    resolver::ZoneRoute route{*dns::Name::from_text(zone.name), kind, {}, zone.first, zone.tls, zone.tls_name};
    for (const ZoneServer& server : zone.servers) route.servers.push_back({server.address, server.port});
    routes.push_back(std::move(route));
  };
  for (const auto& zone : config.forward_zone) add(zone, resolver::ZoneRoute::Kind::forward);
  for (const auto& zone : config.stub_zone) add(zone, resolver::ZoneRoute::Kind::stub);
  return std::make_shared<const resolver::ZoneRoutes>(std::move(routes));
}

resolver::ResolverOptions resolver_options(const Config& config,
                                           std::shared_ptr<const resolver::dnssec::ValidationSettings> validation) {
  resolver::ResolverOptions o;
  o.query_loopback = config.query_loopback;
  o.do_ip4 = config.do_ip4;
  o.do_ip6 = config.do_ip6;
  o.edns_buffer_size = config.edns_buffer_size;
  o.use_caps_for_id = config.use_caps_for_id;
  o.cookies = config.cookies;
  o.qname_minimisation = config.qname_minimisation == QnameMinimisation::off ? resolver::QnameMinimisation::off
                         : config.qname_minimisation == QnameMinimisation::strict
                             ? resolver::QnameMinimisation::strict
                             : resolver::QnameMinimisation::relaxed;
  o.routes = zone_routes(config);
  o.dnssec = std::move(validation);
  return o;
}

std::shared_ptr<const ClientPolicy> client_policy(const Config& config, CookieSecrets* cookies) {
  auto policy = std::make_shared<ClientPolicy>();
  policy->access_control = config.access_control;
  policy->edns_buffer_size = config.edns_buffer_size;
  policy->serve_stale = config.serve_stale;
  policy->serve_stale_max = config.serve_stale_max;
  policy->stale_client_timeout = std::chrono::milliseconds(config.serve_stale_client_timeout_ms);
  policy->prefetch = config.prefetch;
  policy->cookies = config.cookies ? cookies : nullptr;
  // DDR (RFC 9462): _dns.resolver.arpa SVCB names the DoT and DoH listeners that are on.
  std::vector<std::string> local_data = config.local_data;
  for (std::string& record : ddr_records(config)) local_data.push_back(std::move(record));
  policy->local_zones = std::make_shared<const LocalZones>(config.local_zone, local_data);
  policy->identity = std::make_shared<const ServerIdentity>(make_server_identity(
      config.hide_identity, config.identity, config.hide_version, config.version, config.nsid));
  return policy;
}

Worker::Worker(unsigned index, SharedState& shared, const Config& config)
    : index_(index),
      shared_(shared),
      dnstap_(shared.dnstap_writer ? std::make_unique<dnstap::Tap>(*shared.dnstap_writer, index, shared.dnstap_options, stats_)
                                   : nullptr),
      admission_(admission_limits(config), stats_),
      socket_budget_(config.max_upstream_sockets_per_worker),
      transport_(io_.get_executor(), outgoing_from(config), rng_, &socket_budget_),
      tls_transport_(io_.get_executor(), tls_context(config), rng_),
      any_transport_(transport_, tls_transport_),
      coalescing_(any_transport_, resolver_stats_.upstream_shared),
      options_(resolver_options(config, shared.validation)),
      resolver_(io_.get_executor(), coalescing_,
                resolver::ResolverCaches{shared.rrsets, shared.answers, shared.infra}, shared.inflight,
                shared.hints, options_, rng_, resolver_stats_),
      handler_(resolver_, shared.answers, stats_, client_policy(config, &shared.cookie_secrets),
               shared.query_log, &admission_),
      tcp_limits_{std::chrono::milliseconds(config.tcp_idle_timeout_ms), config.tcp_max_connections,
                  config.tcp_max_connections_per_client, &shared.tcp_connections},
      tls_limits_{std::chrono::milliseconds(config.tcp_idle_timeout_ms), config.tls_max_connections,
                  config.tls_max_connections_per_client, &shared.tls_connections},
      tls_handshake_timeout_(config.tls_handshake_timeout_ms),
      tls_contexts_(shared.tls.get()),
      https_settings_{config.https_max_streams, config.https_endpoint},
      udp_batch_size_(config.udp_batch_size) {
  if (!config.redis_server.empty()) {
    RedisL2Settings l2{};
    parse_redis_address(config.redis_server, l2.address);  // the loader has checked it
    l2.timeout = std::chrono::milliseconds(config.redis_timeout_ms);
    l2.key = cache::l2_secret_key(config.redis_key_secret);
    l2.breaker_failures = config.redis_breaker_failures;
    l2.breaker_backoff = std::chrono::milliseconds(config.redis_breaker_backoff_ms);
    l2_ = std::make_unique<RedisL2>(io_, std::move(l2), resolver_stats_, shared.stale_grace_seconds);
    resolver_.set_second_level(l2_.get());
  }
  // dnstap: the listeners see a tap only when a client message is logged, the transports only
  // when a resolver message is; otherwise their null pointer is all dnstap costs them.
  if (dnstap_ && dnstap_->logs_client()) handler_.set_dnstap(dnstap_.get());
  if (dnstap_ && (shared.dnstap_options.resolver_query || shared.dnstap_options.resolver_response)) {
    transport_.set_tap(dnstap_.get());
    tls_transport_.set_tap(dnstap_.get());
  }
  std::vector<std::string> warnings;
  // The first worker claims each address; the others join its SO_REUSEPORT group.
  const PortClaim claim = index_ == 0 ? PortClaim::claim : PortClaim::join;
  for (const auto& l : config.listen) {
    named_bind(l, "UDP", [&] {
      udp_sockets_.push_back(open_udp_socket(io_.get_executor(), {l.address, l.port},
                                             {config.so_rcvbuf, config.so_sndbuf}, &warnings, claim));
    });
    named_bind(l, "TCP", [&] { tcp_acceptors_.push_back(open_tcp_acceptor(io_.get_executor(), {l.address, l.port}, claim)); });
  }
  if (tls_contexts_)
    for (const auto& l : config.tls_listen)
      named_bind(l, "DoT", [&] { tls_acceptors_.push_back(open_tcp_acceptor(io_.get_executor(), {l.address, l.port}, claim)); });
  if (tls_contexts_)
    for (const auto& l : config.https_listen)
      named_bind(l, "DoH", [&] { https_acceptors_.push_back(open_tcp_acceptor(io_.get_executor(), {l.address, l.port}, claim)); });
  // Every worker gets the same buffers: the first one speaks for all.
  if (index_ == 0)
    for (const std::string& w : warnings) log::warning("{}", w);
}

Worker::~Worker() {
  if (thread_.joinable()) {
    io_.stop();
    thread_.join();
  }
}

void Worker::start() {
  // A listener loop an exception ended is counted and logged, not silently gone (CountEscaped).
  for (auto& s : udp_sockets_)
    asio::co_spawn(io_, serve_udp(s, handler_, active_, stats_, shared_.ip_ratelimit, udp_batch_size_,
                                  shared_.proxy_sources.get()),
                   CountEscaped(stats_, "udp listener"));
  for (auto& a : tcp_acceptors_)
    asio::co_spawn(io_, serve_tcp(a, {handler_, active_, tcp_limits_, stats_, shared_.proxy_sources.get()}),
                   CountEscaped(stats_, "tcp listener"));
  for (auto& a : tls_acceptors_)
    // DoT reads no PROXY header (proxy-protocol-from is for UDP and TCP).
    asio::co_spawn(io_, serve_tls(a, *tls_contexts_, {handler_, active_, tls_limits_, stats_, nullptr},
                                  tls_handshake_timeout_),
                   CountEscaped(stats_, "tls listener"));
  // DoH shares DoT's limits (tls_limits_): one bound on TLS connections, one counter.
  for (auto& a : https_acceptors_)
    asio::co_spawn(io_, serve_https(a, *tls_contexts_, {handler_, active_, tls_limits_, stats_}, tls_handshake_timeout_,
                                    https_settings_),
                   CountEscaped(stats_, "https listener"));
  thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& e) {
      log::error("worker {}: {}", index_, e.what());
    }
  });
}

void Worker::stop(std::chrono::milliseconds drain) {
  asio::co_spawn(io_, drain_then_stop(drain), asio::detached);
}

asio::awaitable<void> Worker::drain_then_stop(std::chrono::milliseconds drain) {
  asio::error_code ignored;
  for (auto& a : tcp_acceptors_) a.close(ignored);
  for (auto& a : tls_acceptors_) a.close(ignored);
  for (auto& a : https_acceptors_) a.close(ignored);
  for (auto& s : udp_sockets_) s.cancel(ignored);  // stop receiving; answers still go out
  asio::steady_timer tick(io_);
  auto deadline = std::chrono::steady_clock::now() + drain;
  while (active_.count > 0 && std::chrono::steady_clock::now() < deadline) {
    tick.expires_after(std::chrono::milliseconds(20));
    co_await tick.async_wait(asio::use_awaitable);
  }
  if (active_.count > 0) {
    // Resolutions still waiting on slow or dead authorities: their clients get SERVFAIL now
    // rather than silence; a moment for those answers to go out.
    handler_.abandon_resolutions();
    const auto flush_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (active_.count > 0 && std::chrono::steady_clock::now() < flush_deadline) {
      tick.expires_after(std::chrono::milliseconds(10));
      co_await tick.async_wait(asio::use_awaitable);
    }
  }
  if (active_.count > 0) log::warning("worker {}: {} queries unanswered at shutdown", index_, active_.count);
  io_.stop();
}

std::future<resolver::TraceResult> Worker::trace(const dns::Question& question) {
  auto promise = std::make_shared<std::promise<resolver::TraceResult>>();
  auto future = promise->get_future();
  asio::co_spawn(io_, trace_into(resolver_, question, std::move(promise)), asio::detached);
  return future;
}

void Worker::set_validation(std::shared_ptr<const resolver::dnssec::ValidationSettings> validation) {
  asio::post(io_, [validation = std::move(validation), this] {
    options_.dnssec = validation;
    resolver_.set_options(options_);
  });
}

std::future<std::string> Worker::flush_second_level(L2FlushRequest request) {
  auto promise = std::make_shared<std::promise<std::string>>();
  auto future = promise->get_future();
  asio::co_spawn(io_, l2_->flush(std::move(request)),
                 [promise](std::exception_ptr error, std::string text) {
                   if (error) promise->set_value("redis: flush failed\n");
                   else promise->set_value(std::move(text));
                 });
  return future;
}

void Worker::set_rpz(std::shared_ptr<const rpz::PolicySet> rpz, QueryHandler::RpzNotify notify) {
  asio::post(io_, [rpz = std::move(rpz), notify = std::move(notify), this]() mutable {
    handler_.set_rpz(std::move(rpz), &shared_.rrsets, std::move(notify));
  });
}

std::future<resolver::Outcome> Worker::refresh(const dns::Question& question) {
  auto promise = std::make_shared<std::promise<resolver::Outcome>>();
  auto future = promise->get_future();
  asio::co_spawn(io_, refresh_into(resolver_, question, std::move(promise)), asio::detached);
  return future;
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::reconfigure(const Config& config) {
  auto policy = client_policy(config, &shared_.cookie_secrets);
  auto options = resolver_options(config, shared_.validation);
  auto tls = tls_context(config);
  const std::chrono::milliseconds idle(config.tcp_idle_timeout_ms);
  const unsigned tcp_max = config.tcp_max_connections, tcp_per_client = config.tcp_max_connections_per_client;
  const unsigned tls_max = config.tls_max_connections, tls_per_client = config.tls_max_connections_per_client;
  const std::chrono::milliseconds handshake(config.tls_handshake_timeout_ms);
  const Http2Settings https{config.https_max_streams, config.https_endpoint};
  const WalkAdmissionLimits admission = admission_limits(config);
  const unsigned upstream_sockets = config.max_upstream_sockets_per_worker;
  asio::post(io_, [=, this] {
    admission_.set_limits(admission);
    socket_budget_.set_limit(upstream_sockets);
    handler_.set_policy(policy);
    tls_transport_.set_context(tls);
    options_ = options;
    resolver_.set_options(options_);
    // Connections read their limits on every check, so open ones follow the new values too.
    tcp_limits_.idle_timeout = tls_limits_.idle_timeout = idle;
    tcp_limits_.max_connections = tcp_max;
    tcp_limits_.max_connections_per_client = tcp_per_client;
    tls_limits_.max_connections = tls_max;
    tls_limits_.max_connections_per_client = tls_per_client;
    tls_handshake_timeout_ = handshake;
    https_settings_ = https;  // new DoH connections take it
  });
}

}  // namespace tern::daemon
