// Public-key checks for DNSSEC on OpenSSL 3's EVP interface: DNSKEY public keys turned into
// EVP_PKEYs (RFC 3110 RSA, RFC 6605 ECDSA, RFC 8080 EdDSA), a bounded cache of them, and one
// signature checked against one key. No I/O; ldns is not used here (it is the tests' oracle).
#pragma once

#include "resolver/dnssec/records.hpp"

#include <openssl/evp.h>

#include <bitset>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tern::resolver::dnssec {

struct EvpPkeyFree { void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); } };
using EvpPkey = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

/// The outcome of one public-key operation.
enum class SignatureCheck : std::uint8_t {
  valid,        ///< the signature verifies under the key
  invalid,      ///< it does not, or the key or signature is malformed for its algorithm
  unsupported,  ///< this OpenSSL refuses the algorithm (e.g. SHA-1 signatures under a policy)
};

/// Builds the EVP_PKEY of a DNSKEY's public key; nullptr when the algorithm is not one tern
/// knows or the key material is malformed or out of range (RSA modulus 512..4096 bits, 1024
/// at least for RSA/SHA-512 per RFC 5702 section 2; EC points must lie on the curve).
EvpPkey make_public_key(const Dnskey& key, OSSL_LIB_CTX* libctx = nullptr);

/// Which DNSSEC algorithms this OpenSSL verifies: probed once, at construction, by starting a
/// verification with a known-good key of each algorithm (an OpenSSL whose policy refuses
/// SHA-1 signatures fails there for 5 and 7, which then count as unsupported: the zone is
/// insecure, never bogus; RFC 8624 section 3.1, RFC 6840 section 5.2).
class AlgorithmSupport {
 public:
  explicit AlgorithmSupport(OSSL_LIB_CTX* libctx = nullptr);
  bool supports(std::uint8_t algorithm) const noexcept { return supported_[algorithm]; }

 private:
  std::bitset<256> supported_;
};

/// Checks `signature` over `data` with `pkey` made for `algorithm`: the RSA PKCS#1 v1.5
/// digest, ECDSA's raw r||s (RFC 6605 section 4) converted to DER, EdDSA over the whole data.
SignatureCheck check_signature(EVP_PKEY* pkey, std::uint8_t algorithm, std::string_view data,
                               std::string_view signature, OSSL_LIB_CTX* libctx = nullptr);

/// DNSKEYs parsed into EVP_PKEYs once, keyed by their whole RDATA (which includes the
/// algorithm), oldest dropped first beyond `capacity`. Not thread-safe, by design: each
/// worker owns one (a Worker owns its state, ARCHITECTURE.md), so verification takes no lock;
/// the price is a key parsed once per worker rather than once per process, which is cheap
/// next to the signature checks it saves. Malformed keys are remembered as such too.
class KeyCache {
 public:
  explicit KeyCache(std::size_t capacity, OSSL_LIB_CTX* libctx = nullptr);
  /// With the probe already made (once per process, shared by the workers' caches).
  KeyCache(std::size_t capacity, const AlgorithmSupport& support, OSSL_LIB_CTX* libctx = nullptr);

  /// One signature against one DNSKEY (the caller has matched algorithm and key tag).
  SignatureCheck verify(const Dnskey& key, std::string_view data, std::string_view signature);
  bool supports(std::uint8_t algorithm) const noexcept { return support_.supports(algorithm); }
  std::size_t size() const noexcept { return keys_.size(); }
  /// EVP_PKEYs built so far (cache misses), for tests and counters.
  std::size_t keys_built() const noexcept { return built_; }

 private:
  EVP_PKEY* key_for(const Dnskey& key);

  std::size_t capacity_;
  OSSL_LIB_CTX* libctx_;
  AlgorithmSupport support_;
  std::unordered_map<std::string, EvpPkey> keys_;  ///< RDATA -> key (nullptr: malformed)
  std::deque<std::string> order_;                  ///< insertion order, for eviction
  std::size_t built_ = 0;
};

}  // namespace tern::resolver::dnssec
