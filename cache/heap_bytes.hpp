// What a cached object really costs on the heap, for the caches' byte budgets (cache-size).
// Counting only payload octets (a string's size, sizeof a struct) under-counted the heap a full
// cache holds by about two times (measured: 787 heap octets per flood answer against 439
// counted): every malloc'd block carries a header and is rounded up, a std::string owns a
// block only past its small buffer, and every entry has nodes in three containers.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace tern::cache {

/// Octets one malloc'd block of `n` octets takes: glibc adds an 8-octet header and rounds up to
/// 16, 32 at least (other allocators are within a few octets of that).
constexpr std::size_t heap_block(std::size_t n) noexcept {
  if (n == 0) return 0;
  const std::size_t chunk = (n + 8 + 15) & ~std::size_t{15};
  return chunk < 32 ? 32 : chunk;
}

/// The block a std::string owns beyond its own object: none while it fits its small buffer.
inline std::size_t heap_bytes(const std::string& s) noexcept {
  constexpr std::size_t small_capacity = 15;  // libstdc++'s small-string buffer
  return s.capacity() <= small_capacity ? 0 : heap_block(s.capacity() + 1);
}

/// The block a std::vector owns (its capacity, not its size), not what its elements own.
template <class T>
std::size_t heap_bytes(const std::vector<T>& v) noexcept {
  return heap_block(v.capacity() * sizeof(T));
}

/// The one block of std::make_shared<T>: the object and the control block's two counts and
/// vtable pointer.
template <class T>
constexpr std::size_t shared_block() noexcept {
  return heap_block(sizeof(T) + 16);
}

}  // namespace tern::cache
