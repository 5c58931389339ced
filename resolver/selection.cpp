#include "resolver/selection.hpp"

#include "resolver/limits.hpp"

#include <algorithm>
#include <vector>

namespace tern::resolver {

std::string_view to_string(ServerFeedback f) noexcept {
  switch (f) {
    case ServerFeedback::ok: return "ok";
    case ServerFeedback::timeout: return "timeout";
    case ServerFeedback::unreachable: return "unreachable";
    case ServerFeedback::refused: return "refused";
    case ServerFeedback::servfail: return "servfail";
    case ServerFeedback::formerr: return "formerr";
    case ServerFeedback::notimp: return "notimp";
    case ServerFeedback::lame: return "lame";
    case ServerFeedback::malformed: return "malformed";
    case ServerFeedback::tcp_failed: return "tcp-failed";
  }
  return "unknown";
}

std::chrono::milliseconds upstream_timeout(const std::optional<cache::ServerStats>& stats) {
  using namespace std::chrono;
  microseconds rto = (!stats || stats->srtt_us == 0)
                         ? unknown_server_rtt
                         : microseconds(2 * stats->srtt_us + 4 * stats->rttvar_us);
  return std::clamp(duration_cast<milliseconds>(rto), limits::min_upstream_timeout,
                    limits::max_upstream_timeout);
}

namespace {

std::uint64_t score(const Candidate& c, cache::TimePoint now) {
  // A server never asked ranks as unknown_server_score, not unknown_server_rtt: at 376 ms it
  // would never be tried (exploration aside) while a known server under 376 ms answers.
  std::uint64_t rtt = (!c.stats || c.stats->srtt_us == 0)
                          ? static_cast<std::uint64_t>(unknown_server_score.count())
                          : c.stats->srtt_us;
  // Backed-off servers sort after every live one, and among themselves by RTT.
  if (c.stats && c.stats->backoff_until > now) rtt += std::uint64_t{1} << 40;
  return rtt;
}

}  // namespace

std::size_t choose_server(std::span<const Candidate> candidates, cache::TimePoint now,
                          SecureRandom& rng) {
  std::vector<std::size_t> order(candidates.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Random order first, then a stable sort by score: equal scores are tie-broken at random.
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(static_cast<std::uint32_t>(i))]);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return score(candidates[a], now) < score(candidates[b], now);
  });
  std::size_t live = static_cast<std::size_t>(std::count_if(
      candidates.begin(), candidates.end(),
      [&](const Candidate& c) { return score(c, now) < (std::uint64_t{1} << 40); }));
  if (live > 1 && rng.below(16) == 0) return order[1 + rng.below(static_cast<std::uint32_t>(live - 1))];
  return order.front();
}

cache::ServerStats learn(cache::ServerStats stats, ServerFeedback feedback,
                         std::chrono::microseconds rtt, cache::TimePoint now) {
  using namespace std::chrono;
  const microseconds waited = upstream_timeout(stats);  // what a timeout has just cost
  ++stats.queries;
  if (feedback == ServerFeedback::ok || feedback == ServerFeedback::lame ||
      feedback == ServerFeedback::refused || feedback == ServerFeedback::formerr ||
      feedback == ServerFeedback::notimp || feedback == ServerFeedback::servfail) {
    // The server answered: its RTT is real even when the answer was useless.
    auto sample = static_cast<std::uint32_t>(std::max<microseconds::rep>(rtt.count(), 1));
    if (stats.srtt_us == 0) {
      stats.srtt_us = sample;
      stats.rttvar_us = sample / 2;
    } else {
      std::uint32_t diff = stats.srtt_us > sample ? stats.srtt_us - sample : sample - stats.srtt_us;
      stats.rttvar_us = (3 * stats.rttvar_us + diff) / 4;
      stats.srtt_us = (7 * stats.srtt_us + sample) / 8;
    }
  }
  if (feedback == ServerFeedback::ok) {
    stats.consecutive_failures = 0;
    stats.backoff_until = {};
    return stats;
  }
  ++stats.failures;
  ++stats.consecutive_failures;
  if (feedback == ServerFeedback::timeout) ++stats.timeouts;
  if (feedback == ServerFeedback::tcp_failed) ++stats.tcp_failures;
  if (feedback == ServerFeedback::timeout) {
    // RFC 6298 §5.5: back the estimate off so the next timeout is longer than the one that
    // expired, and a server that timed out never ranks faster than the wait it cost.
    const auto backed = std::max<std::uint64_t>(std::uint64_t{stats.srtt_us} * 2,
                                                static_cast<std::uint64_t>(waited.count()));
    stats.srtt_us = static_cast<std::uint32_t>(std::min<std::uint64_t>(
        backed, static_cast<std::uint64_t>(microseconds(limits::max_upstream_timeout).count())));
  }
  if (stats.consecutive_failures >= 3) {
    unsigned shift = std::min(stats.consecutive_failures - 3, 6u);
    stats.backoff_until = now + std::min<nanoseconds>(seconds(1) * (1u << shift), seconds(60));
  }
  return stats;
}

}  // namespace tern::resolver
