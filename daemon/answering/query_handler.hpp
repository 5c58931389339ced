// The client-side policy for one query: access control, the checks a query must pass (wire
// check, QR, opcode, question count, EDNS version, COOKIE option, class, RD: admit_query() in
// query_admission.hpp decides, handle() counts and answers), then the answer:
// from the answer cache in wire form, or resolved, or stale (RFC 8767); ANY gets one RRset
// (RFC 8482); a client cookie gets our server cookie (RFC 7873, RFC 9018) on every path. Every path ends in a counted
// response or a counted drop; nothing here throws: an exception becomes SERVFAIL (or a drop
// when the query is unreadable), counted in queries.internal-errors and logged.
#pragma once

#include "cache/answer_cache.hpp"
#include "daemon/config/config.hpp"
#include "daemon/observe/daemon_stats.hpp"
#include "daemon/observe/query_log.hpp"
#include "daemon/answering/server_cookies.hpp"
#include "daemon/answering/local_zones.hpp"
#include "daemon/answering/rpz_policy.hpp"
#include "daemon/answering/server_identity.hpp"
#include "daemon/answering/walk_admission.hpp"
#include "resolver/resolver.hpp"

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::daemon {

/// How a query reached ternd: counted per transport (queries.udp, .tcp, .tls, .https); the
/// stream transports (and HTTPS, RFC 8484 §6) take answers up to 65535 octets.
enum class ClientTransport { udp, tcp, tls, https };

/// Whether answers on `transport` are framed in a stream (RFC 7766, RFC 7858): no truncation.
constexpr bool is_stream(ClientTransport transport) { return transport != ClientTransport::udp; }
struct HitRequest;      // hit_response.hpp
namespace dnstap { class Tap; }  // daemon/observe/dnstap_tap.hpp
struct QueryAdmission;  // query_admission.hpp

/// The reloadable part of the client side; replaced whole on reload, never modified.
struct ClientPolicy {
  std::vector<AclRule> access_control;
  std::uint16_t edns_buffer_size = 1232;
  bool serve_stale = false;
  std::uint32_t serve_stale_max = 86400;                 ///< seconds past expiry
  std::chrono::milliseconds stale_client_timeout{1800};  ///< RFC 8767 §5 client response timer
  bool prefetch = false;
  /// Server cookies for clients (RFC 7873, RFC 9018): the secrets shared by every worker;
  /// nullptr when `cookies` is off (the COOKIE option is then ignored like any unknown one).
  CookieSecrets* cookies = nullptr;
  std::shared_ptr<const LocalZones> local_zones;  ///< answered before the cache; null = none
  /// version.bind, id.server and NSID (server_identity.hpp); null: every part hidden.
  std::shared_ptr<const ServerIdentity> identity;
};

/// RFC 8767 §4: the TTL of stale data as served.
inline constexpr std::uint32_t stale_answer_ttl = 30;
/// RFC 8767 §5 failure recheck timer: after a failed refresh, serve stale without asking again.
/// It bounds how long the stale answer outlives the outage: the recheck walks past the failure
/// cache's marks (Resolver::recheck_stale), which could otherwise stretch it to
/// cache-max-failure-ttl.
inline constexpr std::chrono::seconds stale_recheck_interval{30};

class QueryHandler {
 public:
  /// `admission`: the worker's bound on resolutions in flight; null = unbounded (tests).
  QueryHandler(resolver::Resolver& resolver, cache::AnswerCache& answers, DaemonStats& stats,
               std::shared_ptr<const ClientPolicy> policy, QueryLog& query_log,
               WalkAdmission* admission = nullptr)
      : resolver_(resolver), answers_(answers), stats_(stats), policy_(std::move(policy)),
        query_log_(query_log), admission_(admission) {}

  /// The hot path, without suspending: when `packet` is a plain recursive query (one
  /// question, at most an OPT, RD set, allowed client) whose answer is live in the cache,
  /// writes the response into `out` (its storage reused) and returns true. Otherwise returns
  /// false having counted nothing: the caller then hands the packet to handle().
  bool answer_from_cache(std::span<const std::uint8_t> packet, const asio::ip::address& client,
                         ClientTransport transport, std::vector<std::uint8_t>& out);

  /// The response to send, or nullopt to send nothing. Never throws: an exception while
  /// answering is the catch-all's (internal_error), so that no query vanishes unanswered.
  asio::awaitable<std::optional<std::vector<std::uint8_t>>> handle(std::vector<std::uint8_t> packet,
                                                                   asio::ip::address client,
                                                                   ClientTransport transport);

  /// The worker's dnstap (set once, before the worker starts), for the listeners, which log the
  /// client side of every query they hand here; null when dnstap is off: their only cost then.
  void set_dnstap(dnstap::Tap* tap) noexcept { dnstap_ = tap; }
  dnstap::Tap* dnstap() const noexcept { return dnstap_; }

  /// Called on the worker's own thread (posted there on reload).
  void set_policy(std::shared_ptr<const ClientPolicy> policy) { policy_ = std::move(policy); }
  /// Takes a NOTIFY (RFC 1996) for a policy zone from an address: true when it is one of
  /// the zone's primaries (the transfer starts), false to answer REFUSED.
  using RpzNotify = std::function<bool(const dns::Name& zone, const asio::ip::address& from)>;
  /// The response policy zones in force (null: none, and the hit path pays one test), the
  /// RRset cache NSDNAME and NSIP triggers read the servers from, and where NOTIFY goes. On
  /// the worker's thread.
  void set_rpz(std::shared_ptr<const rpz::PolicySet> rpz, cache::RRsetCache* rrsets = nullptr,
               RpzNotify notify = {}) {
    rpz_ = std::move(rpz);
    rrsets_ = rrsets;
    rpz_notify_ = std::move(notify);
  }

  /// At the shutdown drain's deadline, on the worker's thread: every query still waiting for
  /// a resolution is answered SERVFAIL now instead of being dropped unanswered.
  void abandon_resolutions();

 private:
  /// Lets tests replace resolutions (resolution_for_tests_); ternd defines no such type.
  friend struct QueryHandlerTestAccess;

  /// handle() without its catch-all; `packet` lives in handle()'s frame.
  asio::awaitable<std::optional<std::vector<std::uint8_t>>> answer_query(const std::vector<std::uint8_t>& packet,
                                                                         const asio::ip::address& client,
                                                                         ClientTransport transport);
  /// The catch-all of handle(): counts `error` in queries.internal-errors, logs it (rate-limited)
  /// and returns SERVFAIL for `packet` when its ID and question are readable, else nullopt.
  std::optional<std::vector<std::uint8_t>> internal_error(std::span<const std::uint8_t> packet,
                                                          const asio::ip::address& client,
                                                          std::exception_ptr error) noexcept;
  /// Counts `error` in queries.internal-errors and logs it (rate-limited), saying `during` what.
  void note_internal_error(std::exception_ptr error, std::string_view during) noexcept;
  /// Which walk start_resolution asks the resolver for.
  enum class Resolution {
    client,         ///< Resolver::resolve: what the caches remember applies
    checking_disabled,  ///< the same for a CD=1 client: a bogus answer's data, unvalidated (RFC 6840 §5.9)
    stale_recheck,  ///< Resolver::recheck_stale: past the failure marks (RFC 8767 §5)
  };
  /// The resolution of `question` for a client: the resolver's, or the tests' stand-in.
  asio::awaitable<resolver::Outcome> start_resolution(dns::Question question,
                                                      Resolution kind = Resolution::client);
  std::vector<std::uint8_t> counted(std::vector<std::uint8_t> response);
  /// True when this hit started a refresh.
  bool maybe_prefetch(const cache::AnswerHit& hit, const dns::Question& question, const ClientPolicy& policy);
  /// An answered question: its latency into the histogram and, when on, its query-log line.
  void record_answer(std::chrono::steady_clock::time_point started, const asio::ip::address& client,
                     const dns::Question& question, std::span<const std::uint8_t> response,
                     CacheResult cache, std::uint32_t ttl, unsigned upstream,
                     resolver::dnssec::Security security = resolver::dnssec::Security::indeterminate);
  /// A fresh outcome, or nullopt when stale data should be served instead.
  asio::awaitable<std::optional<resolver::Outcome>> resolve_or_stale(const dns::Question& question,
                                                                     const cache::AnswerHit& stale,
                                                                     const ClientPolicy& policy);

  /// The response (or the silence) for a query admit_query() turned away, counted.
  std::optional<std::vector<std::uint8_t>> turn_away(const QueryAdmission& admission,
                                                     std::span<const std::uint8_t> packet, std::uint16_t edns,
                                                     std::string_view cookie_reply);
  /// A local zone's response (or its silence, for `deny`), counted and logged.
  std::optional<std::vector<std::uint8_t>> answer_locally(LocalAnswer& local, const dns::Message& query,
                                                          std::span<const std::uint8_t> packet, std::size_t max_size,
                                                          std::uint16_t edns, std::string_view cookie_reply,
                                                          const asio::ip::address& client,
                                                          std::chrono::steady_clock::time_point started);
  /// RFC 8482: a cached RRset of the name as the answer to ANY; nullopt when none is cached.
  std::optional<std::vector<std::uint8_t>> any_from_cache(const dns::Question& question, const HitRequest& request,
                                                          std::uint16_t edns, std::string_view cookie_reply,
                                                          const asio::ip::address& client,
                                                          std::chrono::steady_clock::time_point started);
  /// An accepted question (not ANY): from the cache, resolved, or stale (RFC 8767). The
  /// arguments are handle()'s, alive while it awaits this.
  asio::awaitable<std::optional<std::vector<std::uint8_t>>> answer_question(
      const dns::Question& question, const dns::Message& query, const std::vector<std::uint8_t>& packet,
      const HitRequest& request, const asio::ip::address& client, const std::shared_ptr<const ClientPolicy>& policy,
      const std::string& cookie_reply, std::chrono::steady_clock::time_point started);

  void count_response(std::span<const std::uint8_t> response);

  using MaybeResponse = std::optional<std::vector<std::uint8_t>>;
  /// handle()'s answer to an accepted question before response policy (ANY or not).
  asio::awaitable<MaybeResponse> answer_accepted(const dns::Message& query, const std::vector<std::uint8_t>& packet,
                                                 const asio::ip::address& client,
                                                 const std::shared_ptr<const ClientPolicy>& policy,
                                                 const std::string& cookie_reply, std::size_t max_size,
                                                 std::chrono::steady_clock::time_point started);
  // ---- response policy zones (query_handler_rpz.cpp) ----
  /// What a policy match makes of a query: passthru (the real answer goes out), or the
  /// response (nullopt: dropped).
  struct PolicyVerdict {
    bool passthru = false;
    MaybeResponse response;
  };
  /// answer_accepted() under the response policy zones in `rpz`.
  asio::awaitable<MaybeResponse> answer_with_policy(const rpz::PolicySet& rpz, const dns::Message& query,
                                                    const std::vector<std::uint8_t>& packet,
                                                    const asio::ip::address& client, ClientTransport transport,
                                                    const std::shared_ptr<const ClientPolicy>& policy,
                                                    const std::string& cookie_reply, std::size_t max_size,
                                                    std::chrono::steady_clock::time_point started);
  asio::awaitable<PolicyVerdict> apply_policy(const rpz::PolicySet& rpz, const rpz::Match& match,
                                              const dns::Message& query, const std::vector<std::uint8_t>& packet,
                                              const asio::ip::address& client, ClientTransport transport,
                                              std::uint16_t edns, const std::string& cookie_reply,
                                              std::size_t max_size, std::chrono::steady_clock::time_point started);
  /// The answer to a NOTIFY for a policy zone (RFC 1996 §3.7: NOERROR, AA, the question
  /// echoed), REFUSED when it is not from the zone's primary; nullopt when unreadable.
  std::optional<std::vector<std::uint8_t>> answer_notify(std::span<const std::uint8_t> packet,
                                                         const asio::ip::address& client);
  /// The hit path's test: whether policy may rewrite this cached answer (then handle() decides).
  bool policy_may_rewrite(const rpz::PolicySet& rpz, const cache::CachedAnswer& entry, const rpz::Address16& client);
  /// The names and addresses of the servers of the zones above `name`, as the RRset cache has them.
  rpz::NameServers servers_above(const dns::Name& name) const;
  /// resolver_.resolve(question), admitted under the bound on resolutions in flight, unless
  /// abandon_resolutions() comes first: then SERVFAIL. SERVFAIL with resolver::shed_reason
  /// when the bound turns it away or it gives way to a newer one (walk_admission.hpp).
  asio::awaitable<resolver::Outcome> resolve_unless_abandoned(const dns::Question& question,
                                                              Resolution kind = Resolution::client);
  /// Starts `resolution` (a prefetch or a serve-stale recheck: no client waits for it) when the
  /// bound has a free place, then calls `done` with its outcome or error; false when turned away.
  bool start_background(asio::awaitable<resolver::Outcome> resolution,
                        std::function<void(std::exception_ptr, resolver::Outcome)> done);

  resolver::Resolver& resolver_;
  cache::AnswerCache& answers_;
  DaemonStats& stats_;
  std::shared_ptr<const ClientPolicy> policy_;
  QueryLog& query_log_;  // shared by the workers; enabled() is the hot path's only cost when off
  WalkAdmission* admission_;  ///< the worker's bound on resolutions in flight; null = none
  dnstap::Tap* dnstap_ = nullptr;  ///< the worker's dnstap; null when off
  std::shared_ptr<const rpz::PolicySet> rpz_;  ///< null when no `rpz` zone is configured
  cache::RRsetCache* rrsets_ = nullptr;        ///< for NSDNAME/NSIP triggers; null: not checked
  RpzNotify rpz_notify_;                       ///< empty: NOTIFY is refused like any opcode
  /// The timers of resolutions in progress, cancelled by abandon_resolutions().
  std::set<asio::steady_timer*> waiting_;
  // Scratch of the hot path, reused so that a hit allocates nothing once warm (one worker
  // thread owns this handler: no sharing).
  std::vector<dns::RecordRef> records_scratch_;
  std::string name_scratch_;
  std::string rpz_target_scratch_;  ///< a cached CNAME's target, for policy_may_rewrite
  std::string cookie_scratch_;  ///< the COOKIE option of a hit response
  cache::AnswerKey probe_;
  /// Empty in ternd; set only through QueryHandlerTestAccess (a test makes resolutions throw).
  std::function<asio::awaitable<resolver::Outcome>(dns::Question)> resolution_for_tests_;
};

}  // namespace tern::daemon
