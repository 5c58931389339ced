// One worker thread: its own io_context, its own SO_REUSEPORT UDP sockets and TCP acceptors on
// every listen address, its own upstream transport and CSPRNG. What workers share (caches,
// in-flight table, hints, the TCP connection count) lives in SharedState, owned by main.
#pragma once

#include "cache/answer_cache.hpp"
#include "cache/infra_cache.hpp"
#include "cache/rrset_cache.hpp"
#include "daemon/config/config.hpp"
#include "daemon/observe/daemon_stats.hpp"
#include "daemon/answering/ip_ratelimit.hpp"
#include "daemon/answering/query_handler.hpp"
#include "daemon/answering/walk_admission.hpp"
#include "daemon/observe/dnstap_tap.hpp"
#include "daemon/observe/dnstap_writer.hpp"
#include "daemon/observe/query_log.hpp"
#include "daemon/listeners/connection_limits.hpp"
#include "daemon/listeners/http2_session.hpp"
#include "daemon/listeners/tcp_listener.hpp"
#include "daemon/listeners/tls_context.hpp"
#include "daemon/listeners/udp_listener.hpp"
#include "daemon/l2/redis_l2.hpp"
#include "daemon/process/rpz_manager.hpp"
#include "resolver/coalescing_transport.hpp"
#include "resolver/inflight.hpp"
#include "resolver/resolver.hpp"
#include "resolver/socket_budget.hpp"
#include "resolver/tls_transport.hpp"
#include "resolver/udp_tcp_transport.hpp"

#include <asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace tern::daemon {

/// State every worker uses; created once by main before the workers, destroyed after them.
struct SharedState {
  SharedState(const Config& config, resolver::RootHints hints);
  /// Applies the reloadable cache settings (TTL bounds, serve-stale window) and reloads the
  /// DoT certificate and key.
  void reconfigure(const Config& config);
  /// Reclaims expired entries from every cache (answers only after the serve-stale window);
  /// rotates the DoT session-ticket key when due.
  std::size_t sweep();
  cache::SteadyClock clock;
  cache::HashKey hash_key;
  cache::RRsetCache rrsets;
  cache::AnswerCache answers;
  cache::InfraCache infra;
  resolver::InflightTable inflight;
  resolver::RootHints hints;
  ConnectionCounter tcp_connections;
  ConnectionCounter tls_connections;
  std::unique_ptr<TlsContextStore> tls;  ///< DoT/DoH certificate and key; null when tls-listen and https-listen are empty
  std::atomic<std::uint32_t> stale_grace_seconds{0};  ///< serve-stale-max when serve-stale is on
  QueryLog query_log;  ///< configured by main (start, reload), reopened by log-reopen
  CookieSecrets cookie_secrets;  ///< server cookies: rotated on a timer and by reconfigure()
  IpRateLimiter ip_ratelimit;    ///< shared: a client's datagrams reach several workers
  /// proxy-protocol-from, fixed at start; null when empty (the listeners then skip it).
  std::unique_ptr<const ProxySources> proxy_sources;
  /// DNSSEC validation in force (null: dnssec off). Read and written by main's thread only
  /// (start, reload, RFC 5011 upkeep), which hands it to each worker (Worker::set_validation).
  std::shared_ptr<const resolver::dnssec::ValidationSettings> validation;
  /// dnstap (dnstap-*): what is logged, and fstrm's I/O thread with one queue per worker;
  /// null when neither dnstap-socket nor dnstap-address is set. Made at start, never changed.
  dnstap::Options dnstap_options;
  std::unique_ptr<dnstap::Writer> dnstap_writer;
  /// The response policy zones: loaded by main, published to every worker, transferred on
  /// their own threads (stopped when SharedState goes, after the workers).
  RpzManager rpz;
  /// When ternd started (made once, before the workers): process_start_time_seconds.
  const std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
};

/// The forward and stub zones a Config asks for.
std::shared_ptr<const resolver::ZoneRoutes> zone_routes(const Config& config);
/// The resolver options a Config asks for, validating with `validation` (null: dnssec off).
resolver::ResolverOptions resolver_options(const Config& config,
                                           std::shared_ptr<const resolver::dnssec::ValidationSettings> validation);
/// What the dnstap-* settings ask to log, with the identity and version texts resolved
/// ("" when not sent).
dnstap::Options dnstap_options(const Config& config);
/// fstrm's writer to the collector a Config names, with a queue for each of `workers`; null
/// when dnstap is off. Throws std::runtime_error when fstrm refuses the setup.
std::unique_ptr<dnstap::Writer> start_dnstap(const Config& config, unsigned workers);

/// The client policy a Config asks for; `cookies` are the secrets used when cookies are on.
std::shared_ptr<const ClientPolicy> client_policy(const Config& config, CookieSecrets* cookies);

/// A listen endpoint a worker could not bind. what(): "127.0.0.1@53 (UDP): Address already in use".
class ListenError : public std::system_error {
 public:
  ListenError(std::error_code code, std::string where);
  /// "127.0.0.1@53 (UDP)": the endpoint and the transport.
  const std::string& where() const noexcept { return where_; }

 private:
  std::string where_;
};

class Worker {
 public:
  /// Binds every listen endpoint; worker 0 claims each address (port_claim.hpp). Throws
  /// ListenError naming the endpoint that failed.
  Worker(unsigned index, SharedState& shared, const Config& config);
  ~Worker();

  void start();
  /// Stops accepting, lets queries in flight finish for up to `drain`, then ends the thread.
  void stop(std::chrono::milliseconds drain);
  void join();
  /// Applies a reloaded configuration's reloadable parts (and SharedState::validation), on the
  /// worker's own thread.
  void reconfigure(const Config& config);
  /// Validates with `validation` from now on (the RFC 5011 upkeep changed the root's anchor).
  void set_validation(std::shared_ptr<const resolver::dnssec::ValidationSettings> validation);
  /// Answers under `rpz` from now on (null: no policy zones); `notify` takes NOTIFY messages for
  /// policy zones (RpzManager::notify). Callable from any thread.
  void set_rpz(std::shared_ptr<const rpz::PolicySet> rpz, QueryHandler::RpzNotify notify);

  /// Runs Resolver::trace on this worker's thread (ternctl trace); callable from any thread.
  std::future<resolver::TraceResult> trace(const dns::Question& question);
  /// Runs Resolver::refresh on this worker's thread (the RFC 5011 upkeep's ". DNSKEY");
  /// callable from any thread.
  std::future<resolver::Outcome> refresh(const dns::Question& question);
  /// Removes what `request` names from Redis on this worker's thread (ternctl cache flush);
  /// callable from any thread. Only when has_second_level().
  std::future<std::string> flush_second_level(L2FlushRequest request);
  bool has_second_level() const noexcept { return l2_ != nullptr; }

  const DaemonStats& stats() const noexcept { return stats_; }
  const resolver::ResolverStats& resolver_stats() const noexcept { return resolver_stats_; }
  /// This worker's upstream sockets (max-upstream-sockets-per-worker): read from any thread.
  const resolver::SocketBudget& socket_budget() const noexcept { return socket_budget_; }
  unsigned index() const noexcept { return index_; }

 private:
  asio::awaitable<void> drain_then_stop(std::chrono::milliseconds drain);

  unsigned index_;
  SharedState& shared_;
  // Declared before io_ so that they outlive it: destroying io_ destroys the coroutines still
  // suspended, which give back their admission slots and socket permits (and count that).
  DaemonStats stats_;
  std::unique_ptr<dnstap::Tap> dnstap_;  ///< this worker's dnstap; null when off
  WalkAdmission admission_;              ///< max-resolutions-per-worker
  resolver::SocketBudget socket_budget_;  ///< max-upstream-sockets-per-worker
  asio::io_context io_{1};
  resolver::SecureRandom rng_;
  resolver::ResolverStats resolver_stats_;
  resolver::UdpTcpTransport transport_;
  resolver::TlsTransport tls_transport_;       ///< forward zones with forward-tls
  resolver::TlsOrPlainTransport any_transport_; ///< one of the two
  resolver::CoalescingTransport coalescing_;    ///< what the resolver uses: any_transport_, deduplicated
  resolver::ResolverOptions options_;           ///< resolver_'s; on the worker's thread once started
  resolver::Resolver resolver_;
  QueryHandler handler_;
  /// redis-server: the fleet's second-level cache; null when off. After io_: destroyed first,
  /// while the timers its pending commands wake still have their io_context.
  std::unique_ptr<RedisL2> l2_;
  ActiveQueries active_;
  StreamLimits tcp_limits_;
  StreamLimits tls_limits_;
  std::chrono::milliseconds tls_handshake_timeout_;
  const TlsContextStore* tls_contexts_;  ///< SharedState's; null without tls-listen and https-listen
  Http2Settings https_settings_;         ///< https-max-streams, https-endpoint
  unsigned udp_batch_size_;              ///< udp-batch-size
  std::vector<asio::ip::udp::socket> udp_sockets_;
  std::vector<asio::ip::tcp::acceptor> tcp_acceptors_;
  std::vector<asio::ip::tcp::acceptor> tls_acceptors_;
  std::vector<asio::ip::tcp::acceptor> https_acceptors_;
  std::thread thread_;
};

}  // namespace tern::daemon
