#include "cache/cache_file.hpp"

#include "resolver/dns/message.hpp"
#include "resolver/input_limits.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace tern::cache {
namespace {

constexpr std::array<std::uint8_t, 8> magic{'T', 'E', 'R', 'N', 'C', 'A', 'C', 'H'};
constexpr std::size_t header_size = 8 + 4 + 8;
/// Expiry, rcode, security, flags, EDE code, EDE text length.
constexpr std::size_t body_fixed = 8 + 2 + 1 + 1 + 2 + 2;
constexpr std::uint8_t flag_ede = 0x01;

void put(std::vector<std::uint8_t>& out, std::uint64_t value, int octets) {
  for (int shift = (octets - 1) * 8; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

std::uint64_t get(std::span<const std::uint8_t> in, std::size_t at, int octets) {
  std::uint64_t value = 0;
  for (int i = 0; i < octets; ++i) value = value << 8 | in[at + i];
  return value;
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

/// One entry's body (see the header comment).
void encode_entry(const CachedAnswer& entry, std::uint64_t expires, std::vector<std::uint8_t>& body) {
  body.clear();
  put(body, expires, 8);
  put(body, entry.rcode, 2);
  put(body, static_cast<std::uint8_t>(entry.security), 1);
  put(body, entry.ede ? flag_ede : 0, 1);
  put(body, entry.ede.value_or(0), 2);
  const std::size_t text = std::min<std::size_t>(entry.ede_text.size(), 0xFFFF);
  put(body, text, 2);
  body.insert(body.end(), entry.ede_text.begin(), entry.ede_text.begin() + static_cast<std::ptrdiff_t>(text));
  body.insert(body.end(), entry.wire.begin(), entry.wire.end());
}

enum class EntryResult { loaded, expired, corrupt, rejected };

/// Decodes one body and stores it in `answers`, its records' TTLs cut to the time it has left.
EntryResult load_entry(std::span<const std::uint8_t> body, AnswerCache& answers, std::int64_t now) {
  if (body.size() < body_fixed) return EntryResult::corrupt;
  const std::uint64_t expires = get(body, 0, 8);
  const auto rcode = static_cast<std::uint16_t>(get(body, 8, 2));
  const std::uint8_t security = body[10], flags = body[11];
  const auto ede = static_cast<std::uint16_t>(get(body, 12, 2));
  const std::size_t text = get(body, 14, 2);
  if (body.size() - body_fixed < text || security > static_cast<std::uint8_t>(resolver::dnssec::Security::secure) ||
      (flags & ~flag_ede) != 0)
    return EntryResult::corrupt;  // bogus data is never cached, so never saved either
  const auto wire = body.subspan(body_fixed + text);
  dns::Message m;
  if (dns::parse_message(wire, m) != dns::WireError::none || !m.qr || m.questions.size() != 1 || m.rcode != rcode ||
      !m.additional.empty() || m.edns)
    return EntryResult::corrupt;
  if (expires <= static_cast<std::uint64_t>(std::max<std::int64_t>(now, 0))) return EntryResult::expired;
  const std::uint64_t left = expires - static_cast<std::uint64_t>(now);
  const auto cap = static_cast<std::uint32_t>(std::min<std::uint64_t>(left, UINT32_MAX));
  for (auto* section : {&m.answer, &m.authority})
    for (dns::Record& r : *section) r.ttl = std::min(r.ttl, cap);
  std::string ede_text(reinterpret_cast<const char*>(body.data() + body_fixed), text);
  auto stored = answers.insert(m.questions.front(), rcode, std::move(m.answer), std::move(m.authority),
                               static_cast<resolver::dnssec::Security>(security),
                               (flags & flag_ede) ? std::optional<std::uint16_t>(ede) : std::nullopt,
                               std::move(ede_text));
  return stored ? EntryResult::loaded : EntryResult::rejected;
}

}  // namespace

std::uint32_t crc32(std::span<const std::uint8_t> bytes) noexcept {
  static constexpr auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::uint8_t b : bytes) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::string CacheFileReport::summary() const {
  if (!error.empty()) return "cache file not loaded: " + error;
  std::string out = std::to_string(loaded) + " entries loaded";
  if (expired) out += ", " + std::to_string(expired) + " expired skipped";
  if (corrupt) out += ", " + std::to_string(corrupt) + " corrupt skipped";
  if (rejected) out += ", " + std::to_string(rejected) + " not storable skipped";
  if (truncated) out += "; the file is truncated (what followed the last whole entry is lost)";
  return out;
}

std::vector<std::uint8_t> encode_cache_file(AnswerCache& answers, std::chrono::system_clock::time_point wall_now,
                                            std::uint64_t& written) {
  std::vector<std::uint8_t> out(magic.begin(), magic.end());
  put(out, cache_file_version, 4);
  put(out, static_cast<std::uint64_t>(unix_seconds(wall_now)), 8);
  const TimePoint now = answers.clock().now();
  const std::int64_t wall = unix_seconds(wall_now);
  std::vector<std::uint8_t> body;
  written = 0;
  answers.entries().for_each([&](const AnswerKey&, const auto& item) {
    if (!item.value || item.expiry <= now) return;  // expired: only serve-stale still wants it
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(item.expiry - now).count();
    if (left <= 0) return;
    encode_entry(*item.value, static_cast<std::uint64_t>(wall + left), body);
    if (body.size() > resolver::limits::max_cache_file_entry_bytes) return;
    put(out, body.size(), 4);
    put(out, crc32(body), 4);
    out.insert(out.end(), body.begin(), body.end());
    ++written;
  });
  put(out, 0, 8);  // the end mark
  return out;
}

CacheFileReport load_cache_file(std::span<const std::uint8_t> file, AnswerCache& answers,
                                std::chrono::system_clock::time_point wall_now) {
  CacheFileReport report;
  if (file.size() < header_size || !std::equal(magic.begin(), magic.end(), file.begin())) {
    report.error = "not a tern cache file";
    return report;
  }
  if (const auto version = get(file, 8, 4); version != cache_file_version) {
    report.error = "format version " + std::to_string(version) + ", this ternd reads " +
                   std::to_string(cache_file_version);
    return report;
  }
  const std::int64_t now = unix_seconds(wall_now);
  std::size_t at = header_size;
  std::uint64_t entries = 0;
  while (true) {
    if (file.size() - at < 8) {
      report.truncated = true;
      break;
    }
    const std::uint64_t length = get(file, at, 4);
    const auto crc = static_cast<std::uint32_t>(get(file, at + 4, 4));
    if (length == 0 && crc == 0) break;  // the end mark
    if (length > resolver::limits::max_cache_file_entry_bytes || file.size() - at - 8 < length ||
        ++entries > resolver::limits::max_cache_file_entries) {
      report.truncated = true;  // nothing after this can be found reliably
      break;
    }
    const auto body = file.subspan(at + 8, length);
    at += 8 + length;
    if (crc32(body) != crc) {
      ++report.corrupt;
      continue;
    }
    switch (load_entry(body, answers, now)) {
      case EntryResult::loaded: ++report.loaded; break;
      case EntryResult::expired: ++report.expired; break;
      case EntryResult::corrupt: ++report.corrupt; break;
      case EntryResult::rejected: ++report.rejected; break;
    }
  }
  return report;
}

std::string save_cache_file(AnswerCache& answers, const std::string& path, std::uint64_t& written) {
  const std::vector<std::uint8_t> bytes = encode_cache_file(answers, std::chrono::system_clock::now(), written);
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return temporary + ": " + std::strerror(errno);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      return temporary + ": write failed";
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(temporary.c_str());
    return path + ": " + why;
  }
  return "";
}

CacheFileReport read_cache_file(const std::string& path, AnswerCache& answers) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    CacheFileReport report;
    report.error = path + ": " + std::strerror(errno);
    return report;
  }
  const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return load_cache_file(bytes, answers, std::chrono::system_clock::now());
}

}  // namespace tern::cache
