#include "cache/l2_value.hpp"

#include "cache/l2_limits.hpp"

#include <algorithm>

namespace tern::cache {
namespace {

constexpr std::uint8_t magic[4] = {'T', 'L', '2', 1};
constexpr std::size_t fixed_size = 4 + 1 + 1 + 2 + 8 + 8 + 2;

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put_i64(std::vector<std::uint8_t>& out, std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(u >> shift));
}

std::uint16_t get_u16(std::span<const std::uint8_t> in, std::size_t at) {
  return static_cast<std::uint16_t>((in[at] << 8) | in[at + 1]);
}

std::int64_t get_i64(std::span<const std::uint8_t> in, std::size_t at) {
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < 8; ++i) u = (u << 8) | in[at + i];
  return static_cast<std::int64_t>(u);
}

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, std::uint64_t v) {
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(hex_digits[(v >> shift) & 0xF]);
}

/// Counts a record's TTL down by `age`, and never past the value's own expiry.
void age_records(std::vector<dns::Record>& records, std::uint32_t age, std::uint32_t remaining) {
  for (dns::Record& rr : records) rr.ttl = std::min(rr.ttl > age ? rr.ttl - age : 0, remaining);
}

}  // namespace

HashKey l2_secret_key(std::string_view secret) noexcept {
  // Two fixed-key SipHash-2-4 passes with distinct domain labels spread the secret over 128
  // bits; the secret's own entropy is what keeps the keys unguessable.
  constexpr HashKey derive{0x7465726e2d6c322dULL, 0x6b65792d64657269ULL};  // "tern-l2-key-deri"
  std::string input = "k0:";
  input.append(secret);
  const std::uint64_t k0 = siphash24(derive, input);
  input[1] = '1';
  return HashKey{k0, siphash24(derive, input)};
}

std::string l2_key(const HashKey& secret, const dns::Question& question, bool dnssec_ok) {
  std::string input = question.name.wire();
  input.push_back(static_cast<char>(question.type >> 8));
  input.push_back(static_cast<char>(question.type));
  input.push_back(static_cast<char>(question.klass >> 8));
  input.push_back(static_cast<char>(question.klass));
  input.push_back(dnssec_ok ? 1 : 0);
  std::string key(l2_key_prefix);
  append_hex(key, siphash24(secret, input));
  input.push_back('\x01');  // a second, independent 64 bits: 128 in all (no practical collisions)
  append_hex(key, siphash24(secret, input));
  return key;
}

std::optional<std::vector<std::uint8_t>> encode_l2_value(const CachedAnswer& entry, std::int64_t stored_unix,
                                                         std::int64_t expires_unix) {
  const std::size_t text = entry.ede ? std::min(entry.ede_text.size(), l2_limits::max_ede_text) : 0;
  if (fixed_size + text + entry.wire.size() > l2_limits::max_value_size) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(fixed_size + text + entry.wire.size());
  out.insert(out.end(), std::begin(magic), std::end(magic));
  out.push_back(static_cast<std::uint8_t>(entry.security));
  out.push_back(entry.ede ? 1 : 0);
  put_u16(out, entry.ede.value_or(0));
  put_i64(out, stored_unix);
  put_i64(out, expires_unix);
  put_u16(out, static_cast<std::uint16_t>(text));
  out.insert(out.end(), entry.ede_text.begin(), entry.ede_text.begin() + static_cast<std::ptrdiff_t>(text));
  out.insert(out.end(), entry.wire.begin(), entry.wire.end());
  return out;
}

std::string_view to_string(L2Reject reject) noexcept {
  switch (reject) {
    case L2Reject::none: return "none";
    case L2Reject::malformed: return "malformed";
    case L2Reject::wire_error: return "wire-error";
    case L2Reject::wrong_question: return "wrong-question";
    case L2Reject::wrong_rcode: return "wrong-rcode";
    case L2Reject::bad_times: return "bad-times";
    case L2Reject::expired: return "expired";
  }
  return "unknown";
}

L2Reject decode_l2_value(std::span<const std::uint8_t> value, const dns::Question& question,
                         std::int64_t now_unix, L2Answer& out) {
  using resolver::dnssec::Security;
  if (value.size() < fixed_size || value.size() > l2_limits::max_value_size ||
      !std::equal(std::begin(magic), std::end(magic), value.begin()))
    return L2Reject::malformed;
  const std::uint8_t security = value[4];
  const std::uint8_t flags = value[5];
  // Bogus data is never stored; a value saying so was not written by ternd.
  if (security > static_cast<std::uint8_t>(Security::secure) || (flags & ~1u) != 0) return L2Reject::malformed;
  const std::int64_t stored = get_i64(value, 8);
  const std::int64_t expires = get_i64(value, 16);
  const std::size_t text = get_u16(value, 24);
  if (text > l2_limits::max_ede_text || fixed_size + text > value.size()) return L2Reject::malformed;
  const std::span<const std::uint8_t> wire = value.subspan(fixed_size + text);
  dns::Message m;
  if (dns::parse_message(wire, m) != dns::WireError::none) return L2Reject::wire_error;
  // The question must be this one, asked as ternd asks it: a response, a standard query, not
  // truncated, nothing in the additional section (the L1 form has none).
  if (!m.qr || m.opcode != dns::opcode_query || m.tc || m.edns || !m.additional.empty() || m.questions.size() != 1 ||
      m.questions.front() != question)
    return L2Reject::wrong_question;
  if (m.rcode != dns::rcode::noerror && m.rcode != dns::rcode::nxdomain) return L2Reject::wrong_rcode;
  // stored >= 0 first: then no difference below can overflow (found by fuzz_l2_value).
  if (stored < 0 || expires <= stored || expires - stored > l2_limits::max_value_ttl ||
      stored > now_unix + l2_limits::max_clock_skew.count())
    return L2Reject::bad_times;
  if (expires <= now_unix) return L2Reject::expired;
  const auto age = static_cast<std::uint32_t>(std::max<std::int64_t>(0, now_unix - stored));
  out.remaining = static_cast<std::uint32_t>(expires - std::max(now_unix, stored));
  out.rcode = m.rcode;
  out.answer = std::move(m.answer);
  out.authority = std::move(m.authority);
  age_records(out.answer, age, out.remaining);
  age_records(out.authority, age, out.remaining);
  out.security = static_cast<Security>(security);
  out.ede = (flags & 1) ? std::optional<std::uint16_t>(get_u16(value, 6)) : std::nullopt;
  out.ede_text = out.ede ? std::string(reinterpret_cast<const char*>(value.data()) + fixed_size, text) : std::string();
  return L2Reject::none;
}

std::optional<dns::Question> l2_value_question(std::span<const std::uint8_t> value) {
  if (value.size() < fixed_size || value.size() > l2_limits::max_value_size ||
      !std::equal(std::begin(magic), std::end(magic), value.begin()))
    return std::nullopt;
  const std::size_t text = get_u16(value, 24);
  if (fixed_size + text > value.size()) return std::nullopt;
  dns::Message m;
  if (dns::parse_message(value.subspan(fixed_size + text), m) != dns::WireError::none || m.questions.size() != 1)
    return std::nullopt;
  return m.questions.front();
}

}  // namespace tern::cache
