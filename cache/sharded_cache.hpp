// ShardedCache<K,V>: the one concurrent map every cache in tern is made of.
//
// Layout: 2^shard_bits shards; a key's shard is chosen by the HIGH bits of its keyed SipHash,
// the shard's hash map uses the full hash (so shard choice and bucket choice do not correlate).
// Each shard owns a mutex, a hash set of its nodes in an LRU list (looked up by key: the key is
// stored once, in the node), and a byte budget of
// total/shards. An entry is charged what it holds on the heap: the octets its value owns (given
// by the caller), the value's own block, its key's blocks, and its nodes in the three containers
// (entry_overhead), so that the budget bounds the heap the cache holds, not a part of it. Values are immutable and shared (std::shared_ptr<const V>): a reader keeps its
// value alive after the lock is released, an update replaces the pointer. Locking order: one
// shard lock at a time, never nested, never held across a co_await or a callback into a caller.
#pragma once

#include "cache/clock.hpp"
#include "cache/heap_bytes.hpp"
#include "cache/keyed_hash.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace tern::cache {

/// Counters of one cache; each is a sum over shards, read without stopping writers.
struct CacheStats {
  std::size_t entries = 0;
  std::size_t bytes = 0;
  std::uint64_t evictions = 0;   ///< live entries pushed out by the byte budget (LRU)
  std::uint64_t expired = 0;     ///< entries reclaimed because their time ran out
  std::uint64_t contention = 0;  ///< lock acquisitions that had to wait
};

/// KeyHash must provide: static std::uint64_t hash(const HashKey&, const K&) noexcept, and
/// static std::size_t heap_bytes(const K&) noexcept (the heap blocks a key owns).
template <class K, class V, class KeyHash>
class ShardedCache {
 public:
  using ValuePtr = std::shared_ptr<const V>;

  /// One stored entry as readers see it.
  struct Item {
    ValuePtr value;
    TimePoint expiry;  ///< after this the entry is dead (serve-stale may still read it)
  };

  /// shard_bits is clamped to 1..12 (2..4096 shards).
  ShardedCache(std::size_t byte_budget, HashKey key, unsigned shard_bits = 6)
      : key_(key),
        shard_bits_(shard_bits < 1 ? 1 : shard_bits > 12 ? 12 : shard_bits),
        shards_(std::size_t{1} << shard_bits_) {
    for (auto& s : shards_) {
      s = std::make_unique<Shard>(NodeHash{key});
      s->budget = byte_budget >> shard_bits_;
    }
  }

  /// The entry for key, alive or not; refreshes its LRU position. Empty when absent.
  Item find(const K& k) {
    Shard& s = shard_for(k);
    auto lock = s.lock();
    auto it = s.map.find(k);
    if (it == s.map.end()) return {};
    s.lru.splice(s.lru.begin(), s.lru, *it);
    return {(*it)->value, (*it)->expiry};
  }

  /// The entry for key, alive or not, leaving its LRU position alone: for observers (the
  /// status page) whose look must not keep an entry cached. Empty when absent.
  Item peek(const K& k) {
    Shard& s = shard_for(k);
    auto lock = s.lock();
    auto it = s.map.find(k);
    if (it == s.map.end()) return {};
    return {(*it)->value, (*it)->expiry};
  }

  /// What the cache itself spends on an entry beyond its value's heap: the value's make_shared
  /// block, the key's blocks (once: the LRU node holds the key, the set finds nodes by it), the
  /// three nodes and about two bucket pointers (the map's load factor stays <= 1 and its bucket
  /// array doubles; it never shrinks, but its size is bounded by the entries the budget allows).
  static std::size_t entry_overhead(const K& k) noexcept {
    return shared_block<V>() + KeyHash::heap_bytes(k) + heap_block(2 * sizeof(void*) + sizeof(Node)) +
           heap_block(sizeof(void*) + sizeof(NodeIt)) +
           heap_block(4 * sizeof(void*) + sizeof(std::pair<const TimePoint, NodeIt>)) + 2 * sizeof(void*);
  }

  /// Inserts or replaces. `value_bytes` is the heap the value owns beyond its own object
  /// (strings, vectors); the entry is charged that plus entry_overhead. `may_replace(old_item)`
  /// decides for a present entry (trust ranks); returns whether the value was stored. Evicts
  /// from the LRU tail until within budget.
  template <class MayReplace>
  bool insert(const K& k, ValuePtr v, std::size_t value_bytes, TimePoint expiry, MayReplace may_replace) {
    Shard& s = shard_for(k);
    auto lock = s.lock();
    auto it = s.map.find(k);
    if (it != s.map.end()) {
      if (!may_replace(Item{(*it)->value, (*it)->expiry})) return false;
      s.remove(*it);
    }
    const std::size_t bytes = value_bytes + entry_overhead(k);
    s.lru.push_front(Node{k, std::move(v), bytes, expiry, {}});
    s.lru.front().by_expiry = s.by_expiry.emplace(expiry, s.lru.begin());
    s.map.insert(s.lru.begin());
    s.bytes += bytes;
    while (s.bytes > s.budget && s.lru.size() > 1) {
      s.remove(std::prev(s.lru.end()));
      s.evictions.fetch_add(1, std::memory_order_relaxed);
    }
    return true;
  }

  bool insert(const K& k, ValuePtr v, std::size_t value_bytes, TimePoint expiry) {
    return insert(k, std::move(v), value_bytes, expiry, [](const Item&) { return true; });
  }

  bool erase(const K& k) {
    Shard& s = shard_for(k);
    auto lock = s.lock();
    auto it = s.map.find(k);
    if (it == s.map.end()) return false;
    s.remove(*it);
    return true;
  }

  /// Removes every entry for which pred(key, item) holds; returns how many.
  template <class Pred>
  std::size_t erase_if(Pred pred) {
    std::size_t removed = 0;
    for (auto& sp : shards_) {
      Shard& s = *sp;
      auto lock = s.lock();
      for (auto it = s.lru.begin(); it != s.lru.end();) {
        auto next = std::next(it);
        if (pred(it->key, Item{it->value, it->expiry})) {
          s.remove(it);
          ++removed;
        }
        it = next;
      }
    }
    return removed;
  }

  /// Reclaims entries dead for longer than `grace` (serve-stale keeps them that long), in
  /// expiry order: the work is proportional to what is reclaimed, not to the cache's size.
  std::size_t sweep_expired(TimePoint now, Duration grace = Duration::zero()) {
    std::size_t total = 0;
    for (auto& sp : shards_) {
      Shard& s = *sp;
      auto lock = s.lock();
      std::size_t n = 0;
      while (!s.by_expiry.empty() && s.by_expiry.begin()->first + grace <= now) {
        s.remove(s.by_expiry.begin()->second);
        ++n;
      }
      s.expired.fetch_add(n, std::memory_order_relaxed);
      total += n;
    }
    return total;
  }

  /// Visits every entry under its shard's lock: f must not call back into this cache.
  template <class F>
  void for_each(F f) {
    for (auto& sp : shards_) {
      auto lock = sp->lock();
      for (const Node& n : sp->lru) f(n.key, Item{n.value, n.expiry});
    }
  }

  CacheStats stats() const {
    CacheStats out;
    for (auto& sp : shards_) {
      {
        std::lock_guard lock(sp->mutex);
        out.entries += sp->map.size();
        out.bytes += sp->bytes;
      }
      out.evictions += sp->evictions.load(std::memory_order_relaxed);
      out.expired += sp->expired.load(std::memory_order_relaxed);
      out.contention += sp->contention.load(std::memory_order_relaxed);
    }
    return out;
  }

  std::size_t shard_count() const noexcept { return shards_.size(); }

  /// Lock acquisitions that had to wait, shard by shard: a hot shard shows up here.
  std::vector<std::uint64_t> shard_contention() const {
    std::vector<std::uint64_t> out;
    out.reserve(shards_.size());
    for (auto& sp : shards_) out.push_back(sp->contention.load(std::memory_order_relaxed));
    return out;
  }

 private:
  struct Node;
  using NodeIt = typename std::list<Node>::iterator;
  struct Node {
    K key;
    ValuePtr value;
    std::size_t bytes;
    TimePoint expiry;
    typename std::multimap<TimePoint, NodeIt>::iterator by_expiry;  ///< its place in the index
  };
  /// The set holds list iterators and finds them by key (C++20 heterogeneous lookup): the key
  /// lives in the node only, not a second time in the set.
  struct NodeHash {
    using is_transparent = void;
    HashKey key;
    std::size_t operator()(const K& k) const noexcept { return KeyHash::hash(key, k); }
    std::size_t operator()(const NodeIt& n) const noexcept { return KeyHash::hash(key, n->key); }
  };
  struct NodeKeyEqual {
    using is_transparent = void;
    bool operator()(const NodeIt& a, const NodeIt& b) const noexcept { return a->key == b->key; }
    bool operator()(const K& a, const NodeIt& b) const noexcept { return a == b->key; }
    bool operator()(const NodeIt& a, const K& b) const noexcept { return a->key == b; }
  };
  /// Invariant: map, lru and by_expiry hold the same entries; bytes is the sum of the nodes'.
  struct Shard {
    explicit Shard(NodeHash h) : map(16, h) {}
    mutable std::mutex mutex;
    std::unordered_set<NodeIt, NodeHash, NodeKeyEqual> map;  ///< the nodes of lru, by key
    std::list<Node> lru;  ///< most recently used first
    std::multimap<TimePoint, NodeIt> by_expiry;  ///< soonest expiry first, for the sweep

    /// Unlinks one node from all three structures; the shard lock is held.
    void remove(NodeIt node) {
      bytes -= node->bytes;
      by_expiry.erase(node->by_expiry);
      map.erase(node);  // before the node goes: the set hashes and compares through it
      lru.erase(node);
    }
    std::size_t bytes = 0;
    std::size_t budget = 0;
    std::atomic<std::uint64_t> evictions{0};
    std::atomic<std::uint64_t> expired{0};
    std::atomic<std::uint64_t> contention{0};

    std::unique_lock<std::mutex> lock() {
      std::unique_lock l(mutex, std::try_to_lock);
      if (!l.owns_lock()) {
        contention.fetch_add(1, std::memory_order_relaxed);
        l.lock();
      }
      return l;
    }
  };

  Shard& shard_for(const K& k) {
    return *shards_[KeyHash::hash(key_, k) >> (64 - shard_bits_)];
  }

  HashKey key_;
  unsigned shard_bits_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace tern::cache
