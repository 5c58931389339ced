// The iterative walk (RFC 1034 §5.3.3), one coroutine per client question: find the closest
// known zone cut, ask its servers, follow referrals down and CNAMEs across, and cache what is
// learnt on the way. Decisions are the pure functions of classify/scrub/selection; all network
// traffic goes through UpstreamTransport. One Resolver per worker thread (not thread-safe);
// the caches it uses are shared between workers and are.
#pragma once

#include "cache/answer_cache.hpp"
#include "cache/infra_cache.hpp"
#include "cache/rrset_cache.hpp"
#include "resolver/address_key.hpp"
#include "resolver/classify.hpp"
#include "resolver/dnssec/crypto.hpp"
#include "resolver/limits.hpp"
#include "resolver/dnssec/validation_settings.hpp"
#include "resolver/exchange_verdict.hpp"
#include "resolver/inflight.hpp"
#include "resolver/outcome.hpp"
#include "resolver/root_hints.hpp"
#include "resolver/second_level.hpp"
#include "resolver/secure_random.hpp"
#include "resolver/selection.hpp"
#include "resolver/servers_asked.hpp"
#include "resolver/trace_cache.hpp"
#include "resolver/upstream_transport.hpp"
#include "resolver/validated_nsec.hpp"
#include "resolver/walk_observer.hpp"
#include "resolver/zone_routing.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace tern::resolver {

/// RFC 9156 mode (mirrors the `qname-minimisation` setting).
enum class QnameMinimisation { off, relaxed, strict };

/// What the walk may do, from the configuration.
struct ResolverOptions {
  bool query_loopback = false;  ///< authorities on 127/8 and ::1 may be asked (the lab)
  bool do_ip4 = true;
  bool do_ip6 = true;
  QnameMinimisation qname_minimisation = QnameMinimisation::relaxed;
  std::uint16_t edns_buffer_size = 1232;  ///< advertised upstream (DNS Flag Day 2020)
  bool use_caps_for_id = false;           ///< 0x20 case randomisation of upstream UDP questions
  bool cookies = true;                    ///< RFC 7873 client cookies to authorities
  std::shared_ptr<const ZoneRoutes> routes = nullptr;  ///< forward and stub zones; null = none
  /// DNSSEC validation (setting `dnssec`); null = off: nothing is validated, no answer gets AD,
  /// RRSIGs and proofs still pass through to DO clients.
  std::shared_ptr<const dnssec::ValidationSettings> dnssec = nullptr;
};

/// Counters of one worker's resolver; atomics so that another thread may read them.
struct ResolverStats {
  std::atomic<std::uint64_t> upstream_queries{0};
  /// Of those, exchanges answered by an identical one already in flight: not sent again
  /// (CoalescingTransport).
  std::atomic<std::uint64_t> upstream_shared{0};
  std::atomic<std::uint64_t> upstream_timeouts{0};
  std::atomic<std::uint64_t> upstream_unreachable{0};
  std::atomic<std::uint64_t> tcp_fallbacks{0};
  std::atomic<std::uint64_t> mismatched_replies{0};  ///< spoofing near-misses
  std::atomic<std::uint64_t> malformed_replies{0};
  std::atomic<std::uint64_t> scrubbed_records{0};
  std::atomic<std::uint64_t> coalesced{0};   ///< client questions that waited on another's walk
  std::atomic<std::uint64_t> limit_hits{0};  ///< walks ended by a limits.hpp budget
  std::atomic<std::uint64_t> caps_fallbacks{0};  ///< servers found not to echo 0x20 case
  std::atomic<std::uint64_t> badcookie_retries{0};  ///< BADCOOKIE answered by asking again
  // DNSSEC validation: client answers by verdict, bogus ones by reason (their EDE).
  std::atomic<std::uint64_t> answers_secure{0};
  std::atomic<std::uint64_t> answers_insecure{0};
  std::atomic<std::uint64_t> answers_indeterminate{0};
  std::atomic<std::uint64_t> answers_bogus{0};
  std::atomic<std::uint64_t> bogus_signature_expired{0};        ///< EDE 7
  std::atomic<std::uint64_t> bogus_signature_not_yet_valid{0};  ///< EDE 8
  std::atomic<std::uint64_t> bogus_dnskey_missing{0};           ///< EDE 9
  std::atomic<std::uint64_t> bogus_rrsigs_missing{0};           ///< EDE 10
  std::atomic<std::uint64_t> bogus_no_zone_key_bit{0};          ///< EDE 11
  std::atomic<std::uint64_t> bogus_nsec_missing{0};             ///< EDE 12
  std::atomic<std::uint64_t> bogus_other{0};                    ///< EDE 6 and any other reason
  /// Validations ended by a limits.hpp budget (KeyTrap, NSEC3 hashing): also counted bogus.
  std::atomic<std::uint64_t> validation_limit_hits{0};
  /// Zones found insecure for an unsupported algorithm or digest (EDE 1, 2) or too many NSEC3
  /// iterations (EDE 27): what a client cannot see from the answer.
  std::atomic<std::uint64_t> insecure_unsupported{0};
  /// NXDOMAIN/NODATA answered from a cached, validated NSEC/NSEC3 (RFC 8198), no query sent.
  std::atomic<std::uint64_t> aggressive_nsec_answers{0};
  // The second-level cache (Redis, daemon/l2/): lookups by outcome, and what it cost.
  std::atomic<std::uint64_t> l2_hits{0};      ///< answered from Redis, no walk
  std::atomic<std::uint64_t> l2_misses{0};    ///< Redis had no value (or only an expired one)
  std::atomic<std::uint64_t> l2_errors{0};    ///< an error reply, no connection, or too much pending
  std::atomic<std::uint64_t> l2_timeouts{0};  ///< no reply within redis-timeout
  std::atomic<std::uint64_t> l2_dropped{0};   ///< values that failed the checks (corrupt or poisoned)
  std::atomic<std::uint64_t> l2_skipped{0};   ///< lookups not sent: the breaker was open
  std::atomic<std::uint64_t> l2_stores{0};    ///< values written
  std::atomic<std::uint64_t> l2_store_errors{0};  ///< writes that failed or were not sent
  std::atomic<std::uint64_t> l2_breaker_opened{0};  ///< times the breaker opened
  std::atomic<std::uint64_t> l2_breaker_open{0};    ///< 1 while this worker's breaker is open (a gauge)
};

/// The shared caches a resolver reads and fills.
struct ResolverCaches {
  cache::RRsetCache& rrsets;
  cache::AnswerCache& answers;
  cache::InfraCache& infra;
};

/// What the chain of trust says of one zone's keys (RFC 4035 §5.2): secure (then `keys` are
/// its validated DNSKEY records, or for a DS lookup its validated DS records), insecure,
/// indeterminate or bogus (with the EDE and why).
struct ZoneKeys {
  dnssec::Verdict verdict;
  std::vector<dns::Record> keys;
  std::uint32_t ttl = 0;  ///< how long the verdict may be remembered
};

class Resolver {
 public:
  Resolver(asio::any_io_executor executor, UpstreamTransport& transport, ResolverCaches caches,
           InflightTable& inflight, const RootHints& hints, ResolverOptions options,
           SecureRandom& rng, ResolverStats& stats);

  /// Answers one question: from the answer cache, by joining an identical walk in flight, or
  /// by walking. Never throws; failures are SERVFAIL outcomes with an EDE code. With
  /// validation on, a bogus answer is SERVFAIL with the EDE that says why, unless the client
  /// set CD (`checking_disabled`, RFC 6840 §5.9): then it gets the data as the authority sent it.
  asio::awaitable<Outcome> resolve(dns::Question question, bool checking_disabled = false);
  /// Walks afresh for `question` even though the caches hold it (prefetch, serve-stale
  /// refresh): the cached data for that name is not used, the result replaces it.
  asio::awaitable<Outcome> refresh(dns::Question question);
  /// A serve-stale recheck (RFC 8767 §5) of a question whose cached answer has expired: walks
  /// past the failure cache's marks (RFC 9520), the question's and its zones', which still
  /// stop every other walk. The caller rate-limits it per cached entry (the failure recheck
  /// timer): that timer is this question's failure cache, and a zone's mark, kept for up to
  /// cache-max-failure-ttl, must not stretch it (the stale answer outliving the outage).
  asio::awaitable<Outcome> recheck_stale(dns::Question question);
  /// Walks afresh for `question` from the root, reading and writing neither the RRset nor the
  /// answer cache (what servers did is still learnt in the infra cache), and records every hop:
  /// ternctl trace. What the walk learns it keeps for itself (TraceCache), so it asks what a
  /// client walk on a cold cache asks, through the same transport (identical exchanges in flight
  /// shared). Client questions in flight are neither joined nor disturbed.
  asio::awaitable<TraceResult> trace(dns::Question question);

  /// A reload's options. New validation settings (trust anchors, negative anchors) make the
  /// zone verdicts and NSEC chains this worker remembers start afresh.
  void set_options(const ResolverOptions& options) {
    if (options.dnssec != options_.dnssec) {
      zone_memo_.clear();
      nsec_store_ = ValidatedNsecStore{};
    }
    options_ = options;
  }
  const asio::any_io_executor& executor() const noexcept { return executor_; }
  /// Asks `l2` on an L1 miss before walking and gives it what walks learn; null = no L2.
  /// Set once by the worker before it starts.
  void set_second_level(SecondLevelCache* l2) noexcept { l2_ = l2; }
  /// Counts a cached answer the daemon served itself (its hit path) by its verdict, as
  /// resolve() counts the answers it gives: one relaxed increment, nothing when not validating.
  void count_cached_answer(dnssec::Security security) noexcept {
    if (!options_.dnssec) return;
    switch (security) {
      case dnssec::Security::secure: stats_.answers_secure.fetch_add(1, std::memory_order_relaxed); break;
      case dnssec::Security::insecure: stats_.answers_insecure.fetch_add(1, std::memory_order_relaxed); break;
      default: stats_.answers_indeterminate.fetch_add(1, std::memory_order_relaxed); break;  // never bogus
    }
  }

 private:
  /// What one client question has spent (limits.hpp), shared by every branch of its walk:
  /// glue-less NS lookups run concurrently (resolve_next_ns) and all draw on the same budget.
  /// Held by shared_ptr because a lookup still in flight may outlive the walk that started it.
  struct Spending {
    unsigned upstream = 0;                    ///< queries sent so far
    unsigned ns_lookups = 0;                  ///< glue-less NS names resolved so far
    unsigned minimised = 0;                   ///< QNAME-minimised queries sent so far
    std::chrono::steady_clock::time_point deadline;
    std::string limit;                        ///< the limit that ended the walk, if one did
    WalkObserver* observer = nullptr;         ///< trace: told every hop; null for client walks
    /// trace: what its walk learnt, read and written instead of the shared caches; null for
    /// client walks. Shared by the walk's branches, like everything here.
    std::shared_ptr<TraceCache> learnt;
    unsigned hops = 0;                        ///< trace: hops reported so far (WalkHop::index)
    std::chrono::steady_clock::time_point started;  ///< for WalkHop::at
    bool finished = false;  ///< the walk has returned: lookups still running send nothing more
    bool priming_started = false;  ///< trace: its walk has started priming the root (prime_in_background)
    /// DNSSEC: what validating this client query may still spend (KeyTrap, NSEC3 hashing).
    dnssec::ValidationBudget validation{limits::max_signature_verifications,
                                        limits::max_nsec3_hash_computations, limits::max_ds_match_failures};
    /// Zones whose keys this query has settled (validation.cpp): each chain is built once.
    std::map<dns::Name, ZoneKeys> zones;
    /// Referrals' DS sets or no-DS proofs by child zone, with the zone that gave them: the
    /// validator reads the child's DS from here, not from a query of its own.
    std::map<dns::Name, std::pair<dns::Name, std::vector<dns::Record>>> delegations;
  };
  /// One branch of a walk: the shared spending plus what is particular to this chain of
  /// sub-resolutions (copied into each concurrent NS lookup).
  struct Budget {
    std::shared_ptr<Spending> spend = std::make_shared<Spending>();
    unsigned depth = 0;                       ///< current sub-resolution nesting
    std::vector<dns::Name> resolving;         ///< NS names being resolved up the stack
    std::optional<dns::Question> bypass;      ///< refresh: never answer this one from cache
    /// The client question whose outcome goes into the answer cache (Resolver::run). Its own
    /// direct answer is kept there only, not a second time in the RRset cache: the answer
    /// entry serves it, also to walks that meet the name again (step_from_cache reads the
    /// answer cache first). Answers reached through a CNAME, referrals, glue and every other
    /// walk's data still go to the RRset cache.
    std::optional<dns::Question> client_question;
    bool isolated = false;                    ///< trace: no RRset/answer cache read or write
    /// trace: the hop this branch's next exchange comes after (WalkHop::after); -1 before its
    /// first. A glue-less lookup starts from its parent's; the parent resumes from the lookup
    /// that gave it an address (ns_lookups.cpp).
    int last_hop = -1;
    bool past_zone_failures = false;          ///< serve-stale recheck: zone failure marks do not stop it
    std::shared_ptr<const ZoneRoutes> routes; ///< as when the walk began (a reload may swap them)
    /// Validation settings as when the walk began; null: no validation.
    std::shared_ptr<const dnssec::ValidationSettings> dnssec;
    std::vector<dns::Name> keying;            ///< zones whose keys are being found up the stack
    /// Glue-less NS lookup branch: the `dropped` flags of the cuts it looks up an address for,
    /// outermost first. Once one of them is set (a server of that cut answered), the branch
    /// sends nothing more: the address it would find is no longer needed (abandoned()).
    std::vector<std::shared_ptr<const bool>> serving;
  };
  /// The glue-less NS lookups of one zone cut, running concurrently: they add the addresses
  /// they find here and wake the walk waiting on the cut (Unbound's "target queries").
  struct NsLookups {
    explicit NsLookups(const asio::any_io_executor& executor)
        : wake(executor, asio::steady_timer::time_point::max()) {}
    std::vector<asio::ip::address> found;  ///< usable addresses, in the order they came
    unsigned started = 0;                  ///< lookups started for this cut
    unsigned running = 0;                  ///< of which not finished yet
    asio::steady_timer wake;               ///< cancelled when a lookup finishes
    int last_hop = -1;                     ///< trace: the last hop of the latest lookup that found an address
    /// Set when a server of the cut answered: the lookups still running stop (Budget::serving).
    std::shared_ptr<bool> dropped = std::make_shared<bool>(false);
  };
  /// A zone and the servers that may be asked about it.
  struct ZoneCut {
    dns::Name zone;
    std::vector<asio::ip::address> addresses;  ///< usable addresses, no duplicates
    std::vector<dns::Name> unresolved;         ///< NS names with no usable address, no lookup yet
    /// Attempts that failed, by scope (exchange_verdict.hpp). Timeouts and SERVFAIL, FORMERR
    /// or NOTIMP replies may concern the one name asked (a server that drops or fails some
    /// questions, rate limiting at the authority), so the zone as a whole is then not
    /// remembered as failed. No address at all (a cyclic or unresolvable delegation), network
    /// errors, REFUSED and lame replies are zone-wide.
    FailureTally failures;
    const ZoneRoute* route = nullptr;          ///< a forward or stub zone's configured servers
    std::shared_ptr<NsLookups> lookups;        ///< created by the first glue-less lookup
  };
  /// A usable reply from one of a cut's servers.
  struct Answered {
    dns::Message reply;
    Classification cls;
    std::string server;
  };
  enum class StepKind { answer, cname, nxdomain, nodata, failed };
  /// The result of resolving one name (without following CNAMEs out of it).
  struct Step {
    StepKind kind = StepKind::failed;
    std::vector<dns::Record> records;  ///< CNAMEs then final RRset, TTLs as to be served
    dns::Name target;                  ///< cname: where the chain continues
    std::vector<dns::Record> soa;      ///< nxdomain/nodata (with its NSEC/NSEC3 proof and RRSIGs)
    std::uint16_t ede = ede::other;
    std::string why;
    /// answer/cname: the NSEC/NSEC3 records proving a wildcard expansion, and their RRSIGs.
    std::vector<dns::Record> proof{};
    /// The zone whose servers gave it (unsigned data is judged by that zone's keys); root
    /// when it came from the cache.
    dns::Name zone{};
    /// From the cache: the verdict it was stored with (indeterminate: validate it now).
    std::optional<dnssec::Security> cached{};
  };

  /// What a walk may skip of what the caches remember.
  enum class RunMode {
    normal,         ///< answer cache, the question's and the zones' failure marks all apply
    refresh,        ///< past the cached answer and the question's failure mark (prefetch)
    stale_recheck,  ///< past the question's and the zones' failure marks (recheck_stale)
  };
  asio::awaitable<Outcome> run(dns::Question question, RunMode mode, bool checking_disabled = false);
  /// The second-level cache's answer to `question`, put into the answer cache; nullopt when it
  /// has none (or no L2 is configured).
  asio::awaitable<std::optional<Outcome>> from_second_level(const dns::Question& question);
  /// What the client gets of a walk's outcome: a bogus one is SERVFAIL with its EDE, unless
  /// the client set CD. Counts the verdict (ResolverStats answers_*, bogus_*).
  Outcome for_client(Outcome out, bool checking_disabled);

  // DNSSEC validation (validation.cpp): RFC 4035 §5, the chain of trust built as the walk goes.
  /// The verdict on one step of the walk: its RRsets, its denial proof, its wildcard proof.
  asio::awaitable<dnssec::Verdict> validate_step(const dns::Question& q, const Step& step, Budget& budget);
  /// The keys of `zone`: secure (its validated DNSKEYs), insecure, indeterminate or bogus.
  asio::awaitable<ZoneKeys> zone_keys(const dns::Name& zone, Budget& budget);
  /// `ds_source`: where the zone's DS came from, for a trace's chain (ChainLink::ds_source).
  asio::awaitable<ZoneKeys> find_zone_keys(const dns::Name& zone, Budget& budget, std::string& ds_source);
  /// The DS set of `zone` with its verdict (secure and empty: provably none, the zone is insecure).
  asio::awaitable<ZoneKeys> delegation_signer(const dns::Name& zone, Budget& budget, std::string& ds_source);
  /// Unsigned data `owner` below the secure zone `secure_zone`: the insecure verdict when a
  /// delegation between them is proven to have no DS, asked one label at a time (no referral
  /// showed the cut: a forwarder, or one server for parent and child); nullopt when none is.
  asio::awaitable<std::optional<dnssec::Verdict>> unsigned_cut_between(const dns::Name& secure_zone,
                                                                       const dns::Name& owner, Budget& budget);
  /// One RRset (with the RRSIGs over it) against its signer's keys; `zone`: the zone that gave
  /// it, for unsigned data. `wildcard_proof`: NSEC/NSEC3 for a wildcard expansion.
  asio::awaitable<dnssec::Verdict> validate_rrset(const std::vector<dns::Record>& rrset,
                                                  const std::vector<dns::Record>& sigs, const dns::Name& zone,
                                                  const std::vector<dns::Record>& wildcard_proof, Budget& budget);
  /// The NSEC/NSEC3 RRsets among `records` that verify under `keys` of `zone`; nullopt and
  /// `failed` set when one does not.
  std::optional<std::vector<dns::Record>> verified_denial(const std::vector<dns::Record>& records,
                                                          const ZoneKeys& keys, const dns::Name& zone,
                                                          Budget& budget, dnssec::Verdict& failed);
  /// RFC 8198: NXDOMAIN/NODATA from a cached, validated NSEC of the zone; nullopt: ask.
  std::optional<Step> aggressive_denial(const dns::Question& q, Budget& budget);
  /// After validation: the verdict kept with the RRsets the step put into the RRset cache.
  void note_security(const Step& step, dnssec::Security security, const Budget& budget);
  dnssec::KeyCache& key_cache();
  /// The chain verdict of a zone remembered by this worker (its TTL not run out).
  std::optional<ZoneKeys> remembered_zone_keys(const dns::Name& zone);
  void remember_zone_keys(const dns::Name& zone, const ZoneKeys& keys);
  asio::awaitable<Outcome> walk(const dns::Question& question, Budget& budget);
  asio::awaitable<Step> resolve_name(const dns::Question& question, Budget& budget);
  std::optional<Step> step_from_cache(const dns::Question& question, const Budget& budget);
  /// RFC 9520: the failed step of a cut whose servers all failed moments ago; nullopt when
  /// they did not (or a trace is walking: it never reads the failure cache).
  std::optional<Step> remembered_zone_failure(const ZoneCut& cut, const Budget& budget);
  /// Remembers that every server of `cut` failed (a zone-wide failure: judge_zone_failure).
  void remember_zone_failure(const ZoneCut& cut, const Budget& budget, const Step& failed);
  /// Remembers a question's failed outcome, or forgets its failure after a success.
  void remember_outcome(const dns::Question& question, const Outcome& out);
  /// RFC 1034 §5.3.3 steps 3 and 4: asks the cut's servers until one gives a usable reply
  /// (judge_exchange accepts it); nullopt when the attempts or the budget are spent.
  asio::awaitable<std::optional<Answered>> ask_zone(ZoneCut& cut, const dns::Question& ask,
                                                   Budget& budget);
  /// One exchange ask_zone is about to make: the server chosen and what is known of it.
  struct Attempt {
    asio::ip::address server;
    ExchangeRequest request;
    cache::ServerStats learnt;  ///< the server's stats, updated with what the exchange shows
    cache::TimePoint now;       ///< when it was chosen: the time learn() is told
  };
  /// True (the limit named in the spending, if one) when the walk may send nothing more.
  static bool budget_spent(Budget& budget);
  /// True when the branch's result is no longer wanted: the client walk has returned, or a
  /// server of a cut this NS lookup branch serves has answered. Nothing more is sent and the
  /// failure to finish is no failure of the zones it was asking.
  static bool abandoned(const Budget& budget);
  /// Chooses the server among `fresh` (non-empty) and builds the request to it (ask_zone.cpp).
  Attempt choose_attempt(const ZoneCut& cut, const dns::Question& ask,
                         const std::vector<asio::ip::address>& fresh, bool checking_caps);
  /// Keeps what a judged exchange taught about its server (the infra cache) and tells a
  /// trace's observer about it.
  void learn_from(const ZoneCut& cut, const dns::Question& ask, Budget& budget, const Attempt& attempt,
                  const ExchangeResult& result, const ExchangeVerdict& verdict);
  /// Makes progress towards an address for a cut whose known addresses are all tried: starts
  /// glue-less NS lookups (up to limits::max_parallel_ns_lookups at once) and returns as soon
  /// as one of them adds an address to the cut (true), or when none can (false).
  asio::awaitable<bool> resolve_next_ns(ZoneCut& cut, Budget& budget);
  /// One glue-less NS lookup (its A, then AAAA if need be), run as its own coroutine.
  asio::awaitable<void> look_up_ns(std::shared_ptr<NsLookups> lookups, dns::Name ns, Budget branch);
  asio::awaitable<ZoneCut> closest_cut(const dns::Name& name, Budget& budget);
  /// Asks a forward zone's servers (forwarding.cpp); nullopt when none gave a usable answer.
  asio::awaitable<std::optional<Step>> forward(const dns::Question& question, const ZoneRoute& route,
                                               Budget& budget);
  /// The cut of a forward or stub zone: its configured servers, whatever the cache says.
  static ZoneCut configured_cut(const ZoneRoute& route);
  /// RFC 8109 §3: the root's cut when its NS set is not known: the hints, used at once, while
  /// a priming query runs in the background (prime_in_background) and replaces them for later
  /// walks. The walk does not wait for priming (issue 18: one round trip less on the first query).
  ZoneCut hinted_root(Budget& budget);
  /// Starts a priming query unless one is in flight (or failed moments ago). A client walk's
  /// priming has a budget of its own (it outlives the walk that started it); a trace's shares
  /// the trace's spending and walk-local cache, and is reported as a chain of its own.
  void prime_in_background(const Budget& budget);
  /// Asks the hinted servers for the root NS set and stores it (RFC 8109); false if none answered.
  asio::awaitable<bool> prime(Budget budget);
  /// The NS names' addresses come from the glue and from what the walk knows (known_rrset).
  ZoneCut make_cut(const dns::Name& zone, const std::vector<dns::Record>& ns,
                   const std::vector<dns::Record>& glue, const Budget& budget);
  std::optional<ZoneCut> cut_from_cache(const dns::Name& zone, const Budget& budget);
  /// An RRset the walk may use: from the shared RRset cache, or for a trace from what its own
  /// walk has learnt (Spending::learnt), never from the shared cache.
  std::shared_ptr<const cache::RRset> known_rrset(const Budget& budget, const dns::Name& owner,
                                                  std::uint16_t type) const;
  bool usable(const asio::ip::address& address) const;
  /// Tells a trace's observer about one exchange (ask_zone.cpp).
  static void report_hop(WalkObserver& observer, Budget& budget, const dns::Name& zone,
                         const asio::ip::address& server, const dns::Question& ask,
                         const ExchangeResult& result, ServerFeedback feedback, const Classification& cls);
  /// An answer, CNAME, NXDOMAIN or NODATA reply as the step it ends: its chain cached with
  /// the trust its AA bit earns. The walk and forward zones both end this way.
  /// `zone`: the cut whose servers gave it (Step::zone).
  Step final_step(const Answered& got, Budget& budget, const dns::Name& zone);
  /// What a QNAME-minimised query's reply says of the name it asked (`ask`, type A), kept so
  /// that nothing is asked twice: its CNAME chain or A set in the RRset cache, its NODATA in
  /// the answer cache. An NXDOMAIN is not kept (broken servers say it of empty non-terminals);
  /// nothing is kept when validating (minimised replies are not validated).
  void remember_minimised(const dns::Question& ask, const Answered& got, const Budget& budget);
  void store_rrsets(const std::vector<dns::Record>& records, cache::Trust trust,
                    const std::string& source, const Budget& budget,
                    const std::vector<dns::Record>& signatures = {},
                    dnssec::Security security = dnssec::Security::indeterminate);

  asio::any_io_executor executor_;
  UpstreamTransport& transport_;
  ResolverCaches caches_;
  const RootHints& hints_;
  ResolverOptions options_;
  SecureRandom& rng_;
  ResolverStats& stats_;
  InflightTable& inflight_;
  SecondLevelCache* l2_ = nullptr;  ///< the fleet's shared cache; null when redis-server is empty
  /// Parsed DNSKEYs (one per worker: no lock; created at the first validation).
  std::optional<dnssec::KeyCache> key_cache_;
  /// Zone chain verdicts this worker settled, until their TTL (validation.cpp): a zone's
  /// chain, and a broken zone's failure, cost one fetch, not one per query. Bounded.
  struct RememberedZone {
    ZoneKeys keys;
    cache::TimePoint expires;
  };
  std::map<dns::Name, RememberedZone> zone_memo_;
  /// Validated NSEC chains for RFC 8198 (aggressive-nsec), this worker's.
  ValidatedNsecStore nsec_store_;
  /// The server each question this worker's walks ask right now went to (ask_zone.cpp).
  ServersAsked servers_asked_;
  /// A client priming query is in flight (prime_in_background): one at a time per worker.
  bool priming_ = false;
  /// After a failed priming, none is tried before this (the hints serve meanwhile):
  /// limits::priming_retry_interval, so that a root which never answers priming is not asked
  /// ". NS" at every walk.
  cache::TimePoint next_priming_{};
  /// RFC 7873 §4.1: client cookies are a MAC of the server's address under this secret (per
  /// resolver; the cookie made is kept in the infra cache, so every worker sends the same).
  cache::HashKey client_cookie_secret_;
};

/// The address in an A or AAAA record; nullopt for other types or malformed RDATA.
std::optional<asio::ip::address> record_address(const dns::Record& rr);

}  // namespace tern::resolver
