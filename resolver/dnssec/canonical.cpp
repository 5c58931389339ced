// Canonical RDATA and the signed data of an RRSIG.
#include "resolver/dnssec/canonical.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace tern::resolver::dnssec {

namespace {

/// One step of an RDATA layout: a fixed run of octets, a domain name, or a character-string.
enum class Field : std::uint8_t { fixed2, fixed6, fixed18, fixed20, name, text, rest };

/// RDATA layouts of the types whose names are lower-cased (RFC 4034 section 6.2, RFC 6840
/// section 5.1). A6 is handled apart (its prefix length decides its shape).
std::optional<std::vector<Field>> layout_of(std::uint16_t type) {
  using F = Field;
  switch (type) {
    case 2: case 3: case 4: case 5: case 7: case 8: case 9: case 12: case 39:  // one name
      return std::vector<F>{F::name};
    case 6: return std::vector<F>{F::name, F::name, F::fixed20};                // SOA
    case 14: case 17: return std::vector<F>{F::name, F::name};                  // MINFO, RP
    case 15: case 18: case 21: case 36: return std::vector<F>{F::fixed2, F::name};  // MX AFSDB RT KX
    case 26: return std::vector<F>{F::fixed2, F::name, F::name};                // PX
    case 33: return std::vector<F>{F::fixed6, F::name};                         // SRV
    case 30: return std::vector<F>{F::name, F::rest};                           // NXT
    case 24: case 46: return std::vector<F>{F::fixed18, F::name, F::rest};      // SIG, RRSIG
    case 35: return std::vector<F>{F::fixed2, F::fixed2, F::text, F::text, F::text, F::name};  // NAPTR
    default: return std::nullopt;
  }
}

std::size_t fixed_size(Field f) {
  switch (f) {
    case Field::fixed2: return 2;
    case Field::fixed6: return 6;
    case Field::fixed18: return 18;
    case Field::fixed20: return 20;
    default: return 0;
  }
}

/// Lower-cases the name at out[pos] in place; advances pos. False when it is malformed.
bool lowercase_name_at(std::string& out, std::size_t& pos) {
  const std::size_t start = pos;
  if (!read_rdata_name(out, pos)) return false;
  std::string name = out.substr(start, pos - start);
  dns::ascii_lowercase(name);
  out.replace(start, name.size(), name);
  return true;
}

bool apply_layout(const std::vector<Field>& layout, std::string& out) {
  std::size_t pos = 0;
  for (Field f : layout) {
    if (f == Field::name) {
      if (!lowercase_name_at(out, pos)) return false;
    } else if (f == Field::text) {
      if (pos >= out.size()) return false;
      pos += 1 + static_cast<std::uint8_t>(out[pos]);
    } else if (f == Field::rest) {
      pos = out.size();
    } else {
      pos += fixed_size(f);
    }
    if (pos > out.size()) return false;
  }
  return pos == out.size();
}

/// A6 (RFC 2874 section 3.1): prefix length, the address suffix, then a prefix name when the
/// prefix length is not 0.
bool canonical_a6(std::string& out) {
  if (out.empty()) return false;
  const unsigned prefix_len = static_cast<std::uint8_t>(out[0]);
  if (prefix_len > 128) return false;
  std::size_t pos = 1 + (128 - prefix_len + 7) / 8;
  if (pos > out.size()) return false;
  if (prefix_len == 0) return pos == out.size();
  return lowercase_name_at(out, pos) && pos == out.size();
}

void append_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}

void append_u32(std::string& out, std::uint32_t v) {
  append_u16(out, static_cast<std::uint16_t>(v >> 16));
  append_u16(out, static_cast<std::uint16_t>(v & 0xFFFF));
}

}  // namespace

std::optional<std::string> canonical_rdata(std::uint16_t type, std::string_view rdata) {
  std::string out(rdata);
  if (type == 38) return canonical_a6(out) ? std::optional(out) : std::nullopt;
  const std::optional<std::vector<Field>> layout = layout_of(type);
  if (!layout) return out;
  if (!apply_layout(*layout, out)) return std::nullopt;
  return out;
}

std::optional<dns::Name> signed_owner(const dns::Name& owner, std::uint8_t labels) {
  const std::size_t count = owner.label_count();
  if (labels > count) return std::nullopt;
  if (labels == count) return owner;
  return owner.suffix(labels).child("*");
}

std::optional<std::string> signed_data(const Rrsig& sig, std::span<const dns::Record> rrset) {
  if (rrset.empty()) return std::nullopt;
  const std::optional<dns::Name> owner = signed_owner(rrset.front().owner, sig.labels);
  if (!owner) return std::nullopt;
  std::vector<std::string> rdatas;
  rdatas.reserve(rrset.size());
  for (const dns::Record& rr : rrset) {
    std::optional<std::string> canonical = canonical_rdata(rr.type, rr.rdata);
    if (!canonical || canonical->size() > 0xFFFF) return std::nullopt;
    rdatas.push_back(std::move(*canonical));
  }
  // RFC 4034 section 6.3: RDATA as left-justified unsigned octet sequences (std::string's
  // char_traits compare as unsigned char), duplicates once.
  std::sort(rdatas.begin(), rdatas.end());
  rdatas.erase(std::unique(rdatas.begin(), rdatas.end()), rdatas.end());
  std::string out = sig.prefix;
  for (const std::string& rdata : rdatas) {
    out += owner->wire();
    append_u16(out, rrset.front().type);
    append_u16(out, rrset.front().klass);
    append_u32(out, sig.original_ttl);
    append_u16(out, static_cast<std::uint16_t>(rdata.size()));
    out += rdata;
  }
  return out;
}

}  // namespace tern::resolver::dnssec
