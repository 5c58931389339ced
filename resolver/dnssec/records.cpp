// Bounded parsers for RRSIG, DNSKEY and DS RDATA; key tag and DS digest.
#include "resolver/dnssec/records.hpp"

#include <openssl/evp.h>

#include <memory>

namespace tern::resolver::dnssec {

namespace {

std::uint16_t u16_at(std::string_view s, std::size_t pos) noexcept {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(s[pos]) << 8) |
                                    static_cast<std::uint8_t>(s[pos + 1]));
}

std::uint32_t u32_at(std::string_view s, std::size_t pos) noexcept {
  return (std::uint32_t{u16_at(s, pos)} << 16) | u16_at(s, pos + 2);
}

// RRSIG fixed fields (RFC 4034 section 3.1): type covered 2, algorithm 1, labels 1,
// original TTL 4, expiration 4, inception 4, key tag 2.
constexpr std::size_t rrsig_fixed_size = 18;

struct MdCtxFree { void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); } };

}  // namespace

std::optional<std::string> read_rdata_name(std::string_view rdata, std::size_t& pos) {
  std::string wire;
  std::size_t at = pos;
  while (true) {
    if (at >= rdata.size()) return std::nullopt;
    const auto len = static_cast<std::uint8_t>(rdata[at]);
    if (len > 63) return std::nullopt;  // a pointer or an extended label: never in RDATA here
    if (at + 1 + len > rdata.size() || wire.size() + 1 + len > dns::max_name_length)
      return std::nullopt;
    wire.append(rdata.substr(at, 1 + len));
    at += 1 + len;
    if (len == 0) break;
  }
  pos = at;
  return wire;
}

std::optional<Rrsig> parse_rrsig(std::string_view rdata) {
  if (rdata.size() < rrsig_fixed_size + 1) return std::nullopt;
  Rrsig sig;
  sig.type_covered = u16_at(rdata, 0);
  sig.algorithm = static_cast<std::uint8_t>(rdata[2]);
  sig.labels = static_cast<std::uint8_t>(rdata[3]);
  sig.original_ttl = u32_at(rdata, 4);
  sig.expiration = u32_at(rdata, 8);
  sig.inception = u32_at(rdata, 12);
  sig.key_tag = u16_at(rdata, 16);
  std::size_t pos = rrsig_fixed_size;
  const std::optional<std::string> signer_wire = read_rdata_name(rdata, pos);
  if (!signer_wire) return std::nullopt;
  std::optional<dns::Name> signer = dns::Name::from_wire(*signer_wire);
  if (!signer || pos >= rdata.size()) return std::nullopt;  // no signature
  sig.signer = std::move(*signer);
  sig.prefix.assign(rdata.substr(0, rrsig_fixed_size));
  sig.prefix += sig.signer.wire();  // RFC 6840 section 5.1: the signer name lower-cased
  sig.signature.assign(rdata.substr(pos));
  return sig;
}

std::optional<Dnskey> parse_dnskey(std::string_view rdata) {
  if (rdata.size() < 5) return std::nullopt;  // flags 2, protocol 1, algorithm 1, key >= 1
  Dnskey key;
  key.flags = u16_at(rdata, 0);
  key.protocol = static_cast<std::uint8_t>(rdata[2]);
  key.algorithm = static_cast<std::uint8_t>(rdata[3]);
  key.public_key.assign(rdata.substr(4));
  key.rdata.assign(rdata);
  return key;
}

std::optional<Ds> parse_ds(std::string_view rdata) {
  if (rdata.size() < 5) return std::nullopt;  // key tag 2, algorithm 1, digest type 1, digest
  Ds ds;
  ds.key_tag = u16_at(rdata, 0);
  ds.algorithm = static_cast<std::uint8_t>(rdata[2]);
  ds.digest_type = static_cast<std::uint8_t>(rdata[3]);
  ds.digest.assign(rdata.substr(4));
  return ds;
}

std::uint16_t key_tag(std::string_view dnskey_rdata) noexcept {
  std::uint32_t ac = 0;
  for (std::size_t i = 0; i < dnskey_rdata.size(); ++i) {
    const auto octet = static_cast<std::uint8_t>(dnskey_rdata[i]);
    ac += (i & 1) ? octet : std::uint32_t{octet} << 8;
  }
  ac += (ac >> 16) & 0xFFFF;
  return static_cast<std::uint16_t>(ac & 0xFFFF);
}

std::size_t digest_length(std::uint8_t digest_type) noexcept {
  switch (digest_type) {
    case digest::sha1: return 20;
    case digest::sha256: return 32;
    case digest::sha384: return 48;
    default: return 0;
  }
}

std::optional<std::string> ds_digest(const dns::Name& owner, std::string_view dnskey_rdata,
                                     std::uint8_t digest_type) {
  const EVP_MD* md = digest_type == digest::sha1     ? EVP_sha1()
                     : digest_type == digest::sha256 ? EVP_sha256()
                     : digest_type == digest::sha384 ? EVP_sha384()
                                                     : nullptr;
  if (md == nullptr) return std::nullopt;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  // tern's Name is already the canonical (lower-case) owner name RFC 4034 section 5.1.4 asks for.
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), owner.wire().data(), owner.wire().size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), dnskey_rdata.data(), dnskey_rdata.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out, &out_len) != 1)
    return std::nullopt;
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

}  // namespace tern::resolver::dnssec
