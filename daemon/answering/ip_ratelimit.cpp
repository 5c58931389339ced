#include "daemon/answering/ip_ratelimit.hpp"

#include "resolver/address_key.hpp"
#include "resolver/dns/types.hpp"
#include "resolver/dns/wire_check.hpp"

#include <algorithm>

namespace tern::daemon {

IpRateLimiter::IpRateLimiter(cache::HashKey key, std::size_t max_addresses)
    : key_(key), per_shard_(std::max<std::size_t>(1, max_addresses / shard_count)) {}

IpRateLimiter::Verdict IpRateLimiter::admit(const asio::ip::address& client, Clock::time_point now) {
  const std::uint32_t rate = rate_.load(std::memory_order_relaxed);
  if (rate == 0) return Verdict::allow;
  const double capacity = rate;  // one second's burst
  std::string key = resolver::address_key(client);
  // Keyed hash: an attacker choosing source addresses cannot pile them into one shard's chain.
  Shard& shard = shards_[cache::siphash13(key_, key) % shard_count];
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= per_shard_) {
      // A bucket untouched for a second is full again: forgetting it changes nothing. When
      // none is that old (a spray of fresh addresses), forget any one: the bound wins.
      std::erase_if(shard.buckets, [&](const auto& b) { return now - b.second.refilled >= std::chrono::seconds(1); });
      if (shard.buckets.size() >= per_shard_) shard.buckets.erase(shard.buckets.begin());
    }
    it = shard.buckets.emplace(std::move(key), Bucket{capacity, now, 0}).first;
  } else {
    Bucket& b = it->second;
    const double elapsed = std::chrono::duration<double>(now - b.refilled).count();
    if (elapsed > 0) b.tokens = std::min(capacity, b.tokens + elapsed * rate);
    b.refilled = std::max(b.refilled, now);
  }
  Bucket& b = it->second;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return Verdict::allow;
  }
  const std::uint32_t slip = slip_.load(std::memory_order_relaxed);
  ++b.limited;
  return slip != 0 && b.limited % slip == 0 ? Verdict::slip : Verdict::drop;
}

std::size_t IpRateLimiter::tracked() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.buckets.size();
  }
  return n;
}

bool slip_reply(std::span<const std::uint8_t> query, std::vector<std::uint8_t>& out) {
  if (query.size() < dns::header_size || (query[2] & 0x80) != 0 || dns::read_u16(query, 4) != 1) return false;
  std::size_t end = 0;
  if (dns::read_name(query, dns::header_size, end, nullptr) != dns::WireError::none || end + 4 > query.size())
    return false;
  out.assign(query.begin(), query.begin() + static_cast<std::ptrdiff_t>(end + 4));
  out[2] = static_cast<std::uint8_t>((query[2] & 0x79) | 0x80 | 0x02);  // QR, opcode and RD kept, TC
  out[3] = 0x80;                                                         // RA, NOERROR
  for (std::size_t i = 6; i < dns::header_size; ++i) out[i] = 0;         // AN, NS, AR counts
  return true;
}

}  // namespace tern::daemon
