// DNSKEY public keys as EVP_PKEYs, the algorithm probe, one signature check, the key cache.
#include "resolver/dnssec/crypto.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <array>
#include <optional>
#include <vector>

namespace tern::resolver::dnssec {

namespace {

struct EvpPkeyCtxFree { void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); } };
struct EvpMdCtxFree { void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); } };
struct ParamBldFree { void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); } };
struct ParamFree { void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); } };
struct BnFree { void operator()(BIGNUM* p) const noexcept { BN_free(p); } };
struct EcdsaSigFree { void operator()(ECDSA_SIG* p) const noexcept { ECDSA_SIG_free(p); } };
struct OpensslFree { void operator()(unsigned char* p) const noexcept { OPENSSL_free(p); } };
using EvpPkeyCtx = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;
using EvpMdCtx = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using Params = std::unique_ptr<OSSL_PARAM, ParamFree>;
using Bignum = std::unique_ptr<BIGNUM, BnFree>;

/// OpenSSL leaves the reasons for a refused key or signature on the thread's error queue;
/// the TLS code on the same worker thread reads that queue (SSL_get_error), so every entry
/// point here empties it on the way out.
struct ClearErrorQueue {
  ~ClearErrorQueue() { ERR_clear_error(); }
};

const unsigned char* bytes(std::string_view s) noexcept {
  return reinterpret_cast<const unsigned char*>(s.data());
}

/// The digest an algorithm signs with; nullptr for EdDSA (which hashes internally).
const char* digest_name(std::uint8_t alg) noexcept {
  switch (alg) {
    case algorithm::rsasha1: case algorithm::rsasha1_nsec3_sha1: return "SHA1";
    case algorithm::rsasha256: case algorithm::ecdsap256sha256: return "SHA256";
    case algorithm::rsasha512: return "SHA512";
    case algorithm::ecdsap384sha384: return "SHA384";
    default: return nullptr;
  }
}

bool is_rsa(std::uint8_t alg) noexcept {
  return alg == algorithm::rsasha1 || alg == algorithm::rsasha1_nsec3_sha1 ||
         alg == algorithm::rsasha256 || alg == algorithm::rsasha512;
}

/// Octets of one ECDSA coordinate (and of r and s): RFC 6605 section 4.
std::size_t ecdsa_size(std::uint8_t alg) noexcept {
  return alg == algorithm::ecdsap256sha256 ? 32 : alg == algorithm::ecdsap384sha384 ? 48 : 0;
}

EvpPkey pkey_from_params(OSSL_LIB_CTX* libctx, const char* type, OSSL_PARAM_BLD* bld) {
  Params params(OSSL_PARAM_BLD_to_param(bld));
  EvpPkeyCtx ctx(EVP_PKEY_CTX_new_from_name(libctx, type, nullptr));
  EVP_PKEY* out = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &out, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return nullptr;
  return EvpPkey(out);
}

/// RFC 3110 section 2: exponent length (1 octet, or 0 then 2 octets), exponent, modulus.
EvpPkey rsa_key(std::string_view k, std::uint8_t alg, OSSL_LIB_CTX* libctx) {
  if (k.empty()) return nullptr;
  std::size_t exp_len = static_cast<std::uint8_t>(k[0]), pos = 1;
  if (exp_len == 0) {
    if (k.size() < 3) return nullptr;
    exp_len = (std::size_t{static_cast<std::uint8_t>(k[1])} << 8) | static_cast<std::uint8_t>(k[2]);
    pos = 3;
  }
  if (exp_len == 0 || exp_len > 8 || pos + exp_len >= k.size()) return nullptr;
  const std::string_view modulus = k.substr(pos + exp_len);
  if (modulus.size() > 4096 / 8 + 1) return nullptr;  // before any big-number work
  Bignum n(BN_bin2bn(bytes(modulus), static_cast<int>(modulus.size()), nullptr));
  Bignum e(BN_bin2bn(bytes(k.substr(pos, exp_len)), static_cast<int>(exp_len), nullptr));
  const int min_bits = alg == algorithm::rsasha512 ? 1024 : 512;
  // RFC 3110 section 2 (512..4096 bits), RFC 5702 section 2 (RSA/SHA-512: 1024 at least); a
  // bigger modulus makes every verification dearer, which is KeyTrap's lever too.
  if (!n || !e || BN_num_bits(n.get()) < min_bits || BN_num_bits(n.get()) > 4096) return nullptr;
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    return nullptr;
  return pkey_from_params(libctx, "RSA", bld.get());
}

/// RFC 6605 section 4: the point as x || y; OpenSSL wants the uncompressed form 04 || x || y.
EvpPkey ecdsa_key(std::string_view k, std::uint8_t alg, OSSL_LIB_CTX* libctx) {
  if (k.size() != 2 * ecdsa_size(alg)) return nullptr;
  std::string point(1, '\x04');
  point += k;
  const char* group = alg == algorithm::ecdsap384sha384 ? "secp384r1" : "prime256v1";
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
    return nullptr;
  return pkey_from_params(libctx, "EC", bld.get());
}

/// RFC 8080 section 3: the raw public key.
EvpPkey eddsa_key(std::string_view k, std::uint8_t alg, OSSL_LIB_CTX* libctx) {
  const bool ed25519 = alg == algorithm::ed25519;
  if (k.size() != (ed25519 ? 32u : 57u)) return nullptr;
  return EvpPkey(EVP_PKEY_new_raw_public_key_ex(libctx, ed25519 ? "ED25519" : "ED448", nullptr,
                                                bytes(k), k.size()));
}

/// RFC 6605 section 4: r || s, each exactly the curve size; EVP wants an ASN.1 DER ECDSA-Sig.
std::optional<std::string> ecdsa_der(std::string_view sig, std::uint8_t alg) {
  const std::size_t half = ecdsa_size(alg);
  if (sig.size() != 2 * half) return std::nullopt;
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> s(ECDSA_SIG_new());
  Bignum r(BN_bin2bn(bytes(sig), static_cast<int>(half), nullptr));
  Bignum ss(BN_bin2bn(bytes(sig.substr(half)), static_cast<int>(half), nullptr));
  if (!s || !r || !ss || ECDSA_SIG_set0(s.get(), r.get(), ss.get()) != 1) return std::nullopt;
  r.release();  // owned by s now
  ss.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(s.get(), &der);
  std::unique_ptr<unsigned char, OpensslFree> owned(der);
  if (len <= 0) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
}

/// Base64 (RFC 4648) without whitespace, for the probe's built-in keys.
std::string from_base64(std::string_view text) {
  std::vector<unsigned char> out(text.size() / 4 * 3 + 3);
  const int n = EVP_DecodeBlock(out.data(), bytes(text), static_cast<int>(text.size()));
  if (n < 0) return {};
  std::size_t len = static_cast<std::size_t>(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --len;
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

/// Known-good public keys for the probe: RFC 5702 section 6.2 (RSA, 1024 bits, valid for
/// every RSA algorithm), RFC 6605 section 6 (P-256, P-384), RFC 8080 section 6 (Ed25519, Ed448).
struct ProbeKey { std::uint8_t algorithm; const char* base64; };
constexpr const char* rsa_probe =
    "AwEAAdHoNTOW+et86KuJOWRDp1pndvwb6Y83nSVXXyLA3DLroROUkN6X0O6pnWnjJQujX/AyhqFDxj13tOnD9u/1kTg7"
    "cV6rklMrZDtJCQ5PCl/D7QNPsgVsMu1J2Q8gpMpztNFLpPBz1bWXjDtaR7ZQBlZ3PFY12ZTSncorffcGmhOL";
constexpr std::array<ProbeKey, 8> probe_keys{{
    {algorithm::rsasha1, rsa_probe},
    {algorithm::rsasha1_nsec3_sha1, rsa_probe},
    {algorithm::rsasha256, rsa_probe},
    {algorithm::rsasha512, rsa_probe},
    {algorithm::ecdsap256sha256,
     "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA=="},
    {algorithm::ecdsap384sha384,
     "xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8/"
     "uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40"},
    {algorithm::ed25519, "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4="},
    {algorithm::ed448, "3kgROaDjrh0H2iuixWBrc8g2EpBBLCdGzHmn+G2MpTPhpj/OiBVHHSfPodx1FYYUcJKm1MDpJtIA"},
}};

}  // namespace

EvpPkey make_public_key(const Dnskey& key, OSSL_LIB_CTX* libctx) {
  const ClearErrorQueue clear;
  if (is_rsa(key.algorithm)) return rsa_key(key.public_key, key.algorithm, libctx);
  if (ecdsa_size(key.algorithm) != 0) return ecdsa_key(key.public_key, key.algorithm, libctx);
  if (key.algorithm == algorithm::ed25519 || key.algorithm == algorithm::ed448)
    return eddsa_key(key.public_key, key.algorithm, libctx);
  return nullptr;
}

AlgorithmSupport::AlgorithmSupport(OSSL_LIB_CTX* libctx) {
  const ClearErrorQueue clear;
  for (const ProbeKey& probe : probe_keys) {
    Dnskey key;
    key.algorithm = probe.algorithm;
    key.public_key = from_base64(probe.base64);
    EvpPkey pkey = make_public_key(key, libctx);
    EvpMdCtx ctx(EVP_MD_CTX_new());
    supported_[probe.algorithm] =
        pkey && ctx && EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest_name(probe.algorithm),
                                               libctx, nullptr, pkey.get(), nullptr) == 1;
  }
}

SignatureCheck check_signature(EVP_PKEY* pkey, std::uint8_t alg, std::string_view data,
                               std::string_view signature, OSSL_LIB_CTX* libctx) {
  const ClearErrorQueue clear;
  std::optional<std::string> der;
  if (ecdsa_size(alg) != 0) {
    der = ecdsa_der(signature, alg);
    if (!der) return SignatureCheck::invalid;
    signature = *der;
  }
  EvpMdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) return SignatureCheck::unsupported;
  // The key was built, so a refusal here is OpenSSL's policy on the algorithm, not the data.
  if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest_name(alg), libctx, nullptr, pkey,
                              nullptr) != 1)
    return SignatureCheck::unsupported;
  const int ok = EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(data), data.size());
  return ok == 1 ? SignatureCheck::valid : SignatureCheck::invalid;
}

KeyCache::KeyCache(std::size_t capacity, OSSL_LIB_CTX* libctx)
    : KeyCache(capacity, AlgorithmSupport(libctx), libctx) {}

KeyCache::KeyCache(std::size_t capacity, const AlgorithmSupport& support, OSSL_LIB_CTX* libctx)
    : capacity_(capacity == 0 ? 1 : capacity), libctx_(libctx), support_(support) {}

EVP_PKEY* KeyCache::key_for(const Dnskey& key) {
  if (auto it = keys_.find(key.rdata); it != keys_.end()) return it->second.get();
  if (keys_.size() >= capacity_) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
  ++built_;
  EVP_PKEY* raw = keys_.emplace(key.rdata, make_public_key(key, libctx_)).first->second.get();
  order_.push_back(key.rdata);
  return raw;
}

SignatureCheck KeyCache::verify(const Dnskey& key, std::string_view data, std::string_view signature) {
  if (!supports(key.algorithm)) return SignatureCheck::unsupported;
  EVP_PKEY* pkey = key_for(key);
  if (pkey == nullptr) return SignatureCheck::invalid;
  return check_signature(pkey, key.algorithm, data, signature, libctx_);
}

}  // namespace tern::resolver::dnssec
