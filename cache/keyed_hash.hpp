// SipHash (Aumasson & Bernstein): 1-3 for the caches, keyed with a per-process random key so
// that nobody outside can choose cache keys that collide (hash flooding); 2-4 for DNS cookies
// (RFC 9018 names it). std::hash is unkeyed, and OpenSSL's EVP_MAC SipHash costs a provider
// fetch per call, far too much for every cache lookup or every cookie on the hit path.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tern::cache {

/// A 128-bit SipHash key; make one per process from a CSPRNG (see random_hash_key()).
struct HashKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;
};

/// Draws a key from the kernel's CSPRNG (getrandom).
HashKey random_hash_key();

/// SipHash-c-d; c compression rounds per 8-octet block, d finalisation rounds.
template <int C, int D>
inline std::uint64_t siphash(const HashKey& key, std::string_view data) noexcept {
  auto rotl = [](std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); };
  std::uint64_t v0 = 0x736f6d6570736575ULL ^ key.k0, v1 = 0x646f72616e646f6dULL ^ key.k1;
  std::uint64_t v2 = 0x6c7967656e657261ULL ^ key.k0, v3 = 0x7465646279746573ULL ^ key.k1;
  auto round = [&] {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  };
  const std::size_t n = data.size();
  const char* p = data.data();
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    std::uint64_t m;
    std::memcpy(&m, p + i, 8);  // little-endian hosts only (x86_64, aarch64)
    v3 ^= m;
    for (int r = 0; r < C; ++r) round();
    v0 ^= m;
  }
  std::uint64_t b = static_cast<std::uint64_t>(n) << 56;
  for (std::size_t i = n & ~std::size_t{7}, s = 0; i < n; ++i, s += 8)
    b |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << s;
  v3 ^= b;
  for (int r = 0; r < C; ++r) round();
  v0 ^= b;
  v2 ^= 0xff;
  for (int r = 0; r < D; ++r) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

/// SipHash-1-3: the cache's hash (fast; keys are not exposed to anyone).
inline std::uint64_t siphash13(const HashKey& key, std::string_view data) noexcept { return siphash<1, 3>(key, data); }
/// SipHash-2-4: the MAC of DNS cookies (RFC 9018 §4.4 names it).
inline std::uint64_t siphash24(const HashKey& key, std::string_view data) noexcept { return siphash<2, 4>(key, data); }

}  // namespace tern::cache
