#include "resolver/dnssec/nsec3_hash.hpp"

#include <openssl/evp.h>

#include <array>
#include <memory>

namespace tern::resolver::dnssec {
namespace {

constexpr std::string_view base32hex_alphabet = "0123456789abcdefghijklmnopqrstuv";

int base32hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'v') return c - 'a' + 10;
  if (c >= 'A' && c <= 'V') return c - 'A' + 10;
  return -1;
}

struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
using EvpMdCtx = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;

bool sha1_of(EVP_MD_CTX* ctx, std::string_view a, std::string_view b, unsigned char* out) {
  unsigned int length = 0;
  return EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr) == 1 &&
         EVP_DigestUpdate(ctx, a.data(), a.size()) == 1 &&
         EVP_DigestUpdate(ctx, b.data(), b.size()) == 1 &&
         EVP_DigestFinal_ex(ctx, out, &length) == 1 && length == 20;
}

}  // namespace

std::string base32hex_encode(std::string_view octets) {
  std::string out;
  out.reserve((octets.size() * 8 + 4) / 5);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : octets) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += base32hex_alphabet[(buffer >> bits) & 0x1f];
    }
  }
  if (bits > 0) out += base32hex_alphabet[(buffer << (5 - bits)) & 0x1f];
  return out;
}

std::optional<std::string> base32hex_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 5 / 8);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int value = base32hex_value(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<unsigned>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  // Leftover bits are padding of the last octet: fewer than 5 and all zero, or the text was
  // not the encoding of any octet string.
  if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::optional<std::string> nsec3_sha1(const dns::Name& name, std::string_view salt,
                                      std::uint16_t iterations) {
  EvpMdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) return std::nullopt;
  std::array<unsigned char, 20> digest{};
  // IH(salt, x, 0) = H(x || salt); IH(salt, x, k) = H(IH(salt, x, k-1) || salt).
  if (!sha1_of(ctx.get(), name.wire(), salt, digest.data())) return std::nullopt;
  for (unsigned i = 0; i < iterations; ++i) {
    const std::string_view previous(reinterpret_cast<const char*>(digest.data()), digest.size());
    std::array<unsigned char, 20> next{};
    if (!sha1_of(ctx.get(), previous, salt, next.data())) return std::nullopt;
    digest = next;
  }
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::optional<std::string> Nsec3Hasher::hash(const dns::Name& name, std::string_view salt,
                                             std::uint16_t iterations) {
  for (const Entry& e : cache_)
    if (e.iterations == iterations && e.salt == salt && e.name_wire == name.wire()) return e.hash;
  const unsigned cost = nsec3_hash_cost(iterations);
  if (budget_.nsec3_hashes < cost) {
    budget_.nsec3_hashes = 0;
    exhausted_ = true;
    return std::nullopt;
  }
  budget_.nsec3_hashes -= cost;
  auto digest = nsec3_sha1(name, salt, iterations);
  if (!digest) return std::nullopt;
  ++computed_;
  cache_.push_back(Entry{name.wire(), std::string(salt), iterations, *digest});
  return digest;
}

}  // namespace tern::resolver::dnssec
