#include "daemon/l2/redis_l2.hpp"

#include "cache/l2_limits.hpp"
#include "resolver/log.hpp"

#include <algorithm>
#include <chrono>

namespace tern::daemon {
namespace {

/// The longest a breaker stays open before it probes again, however often probes failed.
constexpr std::chrono::milliseconds max_breaker_backoff{30000};
/// A flush's commands may take longer than a lookup's: they carry batches.
constexpr std::chrono::milliseconds min_flush_command_timeout{2000};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void bump(std::atomic<std::uint64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

RedisL2::RedisL2(asio::io_context& io, RedisL2Settings settings, resolver::ResolverStats& stats,
                 const std::atomic<std::uint32_t>& stale_grace)
    : settings_(std::move(settings)), stats_(stats), stale_grace_(stale_grace),
      breaker_(settings_.breaker_failures, settings_.breaker_backoff,
               std::max(settings_.breaker_backoff, max_breaker_backoff)),
      connection_(io, settings_.address) {}

void RedisL2::note_success() {
  if (breaker_.state() != CircuitBreaker::State::closed) log::warning("redis: reachable again, breaker closed");
  breaker_.succeeded();
  stats_.l2_breaker_open.store(0, std::memory_order_relaxed);
}

void RedisL2::note_failure() {
  if (!breaker_.failed(CircuitBreaker::Clock::now())) return;
  bump(stats_.l2_breaker_opened);
  stats_.l2_breaker_open.store(1, std::memory_order_relaxed);
  log::warning("redis: breaker open for {} ms after repeated errors or timeouts", breaker_.backoff().count());
}

asio::awaitable<std::optional<cache::L2Answer>> RedisL2::fetch(const dns::Question& question) {
  if (!breaker_.allow(CircuitBreaker::Clock::now())) {
    bump(stats_.l2_skipped);
    co_return std::nullopt;
  }
  if (connection_.pending() >= cache::l2_limits::max_pending_commands) {
    bump(stats_.l2_errors);  // not the breaker's business: Redis answers, we ask too fast
    co_return std::nullopt;
  }
  const dns::Question asked = question;  // the caller's may not outlive the wait
  // Built before the co_await: g++ 12 miscompiles a braced list of literals inside one.
  std::vector<std::string> get{std::string("GET"), cache::l2_key(settings_.key, asked, true)};
  RedisReply reply = co_await connection_.call(std::move(get), settings_.timeout);
  if (reply.status == RedisReply::Status::timeout) {
    bump(stats_.l2_timeouts);
    note_failure();
    co_return std::nullopt;
  }
  if (reply.status != RedisReply::Status::ok || reply.type == RedisReply::Type::error) {
    bump(stats_.l2_errors);
    note_failure();
    co_return std::nullopt;
  }
  note_success();
  if (reply.type == RedisReply::Type::nil) {
    bump(stats_.l2_misses);
    co_return std::nullopt;
  }
  cache::L2Answer answer;
  const auto* octets = reinterpret_cast<const std::uint8_t*>(reply.str.data());
  const cache::L2Reject reject =
      reply.type == RedisReply::Type::string
          ? cache::decode_l2_value(std::span<const std::uint8_t>(octets, reply.str.size()), asked, unix_now(), answer)
          : cache::L2Reject::malformed;
  if (reject == cache::L2Reject::expired) {  // kept for the serve-stale window: no answer here
    bump(stats_.l2_misses);
    co_return std::nullopt;
  }
  if (reject != cache::L2Reject::none) {
    bump(stats_.l2_dropped);
    log::warning("redis: value for {} {} dropped: {}", asked.name.to_text(), dns::type_to_text(asked.type),
                 cache::to_string(reject));
    co_return std::nullopt;
  }
  bump(stats_.l2_hits);
  co_return answer;
}

void RedisL2::store_done(void* self, bool ok) {
  auto* l2 = static_cast<RedisL2*>(self);
  if (ok) {
    bump(l2->stats_.l2_stores);
    l2->note_success();
  } else {
    bump(l2->stats_.l2_store_errors);
    l2->note_failure();
  }
}

void RedisL2::store(const dns::Question& question, const cache::CachedAnswer& entry) {
  if (entry.ttl == 0) return;
  if (!breaker_.allow(CircuitBreaker::Clock::now()) ||
      connection_.pending() >= cache::l2_limits::max_pending_commands) {
    bump(stats_.l2_store_errors);
    return;
  }
  const std::int64_t stored =
      std::chrono::duration_cast<std::chrono::seconds>(entry.inserted_wall.time_since_epoch()).count();
  std::optional<std::vector<std::uint8_t>> value = cache::encode_l2_value(entry, stored, stored + entry.ttl);
  if (!value) {
    bump(stats_.l2_store_errors);
    return;
  }
  // The key lives as long as the answer may be served: its TTL, plus the serve-stale window.
  const std::uint64_t lifetime_ms =
      (std::uint64_t{entry.ttl} + stale_grace_.load(std::memory_order_relaxed)) * 1000;
  connection_.send({"SET", cache::l2_key(settings_.key, question, true),
                    std::string(value->begin(), value->end()), "PX", std::to_string(lifetime_ms)},
                   &RedisL2::store_done, this);
}

asio::awaitable<std::string> RedisL2::flush(L2FlushRequest request) {
  const std::chrono::milliseconds timeout = std::max(settings_.timeout, min_flush_command_timeout);
  auto failed = [](const RedisReply& r) {
    if (r.status == RedisReply::Status::timeout) return std::string("redis: flush failed: timeout\n");
    if (r.status != RedisReply::Status::ok) return std::string("redis: flush failed: not connected\n");
    return "redis: flush failed: " + r.str + "\n";
  };
  if (request.type) {
    const dns::Question q{request.name, *request.type, dns::class_in};
    std::vector<std::string> unlink{std::string("UNLINK"), cache::l2_key(settings_.key, q, true),
                                    cache::l2_key(settings_.key, q, false)};
    RedisReply r = co_await connection_.call(std::move(unlink), timeout);
    if (r.status != RedisReply::Status::ok || r.type != RedisReply::Type::integer) co_return failed(r);
    co_return "redis: removed " + std::to_string(r.integer) + " keys\n";
  }
  std::string cursor = "0";
  std::uint64_t removed = 0;
  std::size_t scanned = 0;
  do {
    std::vector<std::string> scan{std::string("SCAN"), cursor, std::string("MATCH"),
                                  std::string(cache::l2_key_prefix) + "*", std::string("COUNT"),
                                  std::to_string(cache::l2_limits::flush_batch)};
    RedisReply page = co_await connection_.call(std::move(scan), timeout);
    if (page.status != RedisReply::Status::ok || page.type != RedisReply::Type::array || page.elements.size() != 2 ||
        page.elements[1].type != RedisReply::Type::array)
      co_return failed(page);
    cursor = page.elements[0].str;
    std::vector<std::string> keys;
    for (RedisReply& k : page.elements[1].elements) keys.push_back(std::move(k.str));
    scanned += keys.size();
    if (keys.empty()) continue;
    std::vector<std::string> doomed;
    if (request.all) {
      doomed = std::move(keys);
    } else {
      std::vector<std::string> get{std::string("MGET")};
      get.insert(get.end(), keys.begin(), keys.end());
      RedisReply values = co_await connection_.call(std::move(get), timeout);
      if (values.status != RedisReply::Status::ok || values.type != RedisReply::Type::array) co_return failed(values);
      for (std::size_t i = 0; i < keys.size() && i < values.elements.size(); ++i) {
        const RedisReply& v = values.elements[i];
        std::optional<dns::Question> q = cache::l2_value_question(
            std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(v.str.data()), v.str.size()));
        // A value that does not say its name is of no use to anyone: it goes too.
        if (!q || q->name == request.name || (request.below && q->name.is_subdomain_of(request.name)))
          doomed.push_back(std::move(keys[i]));
      }
    }
    if (doomed.empty()) continue;
    std::vector<std::string> doomed_unlink{std::string("UNLINK")};
    doomed_unlink.insert(doomed_unlink.end(), doomed.begin(), doomed.end());
    RedisReply r = co_await connection_.call(std::move(doomed_unlink), timeout);
    if (r.status != RedisReply::Status::ok || r.type != RedisReply::Type::integer) co_return failed(r);
    removed += static_cast<std::uint64_t>(r.integer);
  } while (cursor != "0" && scanned < cache::l2_limits::max_flush_scanned);
  std::string out = "redis: removed " + std::to_string(removed) + " keys";
  if (cursor != "0") out += " (stopped after " + std::to_string(scanned) + " keys read: flush again)";
  co_return out + "\n";
}

}  // namespace tern::daemon
