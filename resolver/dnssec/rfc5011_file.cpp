#include "resolver/dnssec/rfc5011_file.hpp"

#include "resolver/dns/types.hpp"
#include "resolver/dnssec/records.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tern::resolver::dnssec {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

/// The ";;name=value" fields after the record; other comments (ldns's ";{id = ...}") ignored.
std::map<std::string, std::string, std::less<>> fields_of(std::string_view line) {
  std::map<std::string, std::string, std::less<>> out;
  for (std::size_t at = line.find(";;"); at != std::string_view::npos; at = line.find(";;", at + 2)) {
    std::string_view field = line.substr(at + 2, line.find(";;", at + 2) - (at + 2));
    const std::size_t eq = field.find('=');
    if (eq != std::string_view::npos) out.emplace(trim(field.substr(0, eq)), trim(field.substr(eq + 1)));
  }
  return out;
}

std::optional<std::uint64_t> time_field(const std::map<std::string, std::string, std::less<>>& fields,
                                        std::string_view name) {
  auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  std::uint64_t value = 0;
  const char* end = it->second.data() + it->second.size();
  auto [ptr, ec] = std::from_chars(it->second.data(), end, value);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

/// Fills `key`'s state and times from the fields; the reason when one is missing or bad.
std::optional<std::string> read_key_fields(const std::map<std::string, std::string, std::less<>>& fields,
                                           ManagedKey& key) {
  auto state_it = fields.find("state");
  if (state_it == fields.end()) return std::nullopt;  // an anchor given by hand: VALID
  std::optional<KeyState> state = key_state_from_name(state_it->second);
  if (!state) return fmt::format("unknown state '{}'", state_it->second);
  key.state = *state;
  for (auto [name, slot] : {std::pair{"first_seen", &key.first_seen}, {"last_change", &key.last_change},
                            {"hold_down_until", &key.hold_down_until}}) {
    std::optional<std::uint64_t> value = time_field(fields, name);
    if (!value) return fmt::format("missing or malformed {}", name);
    *slot = *value;
  }
  return std::nullopt;
}

struct ParsedState {
  std::optional<dns::Name> zone;
  std::vector<dns::Record> seeds;
  std::vector<ManagedKey> keys;
};

/// Adds one non-comment line to `state`; the reason when it is not a valid entry.
std::optional<std::string> read_line(std::string_view line, ParsedState& state) {
  std::optional<dns::Record> rr = dns::record_from_text(trim(line.substr(0, line.find(';'))));
  if (!rr) return std::string("unreadable record");
  if (state.zone && rr->owner != *state.zone)
    return fmt::format("owner {} differs from {}", rr->owner.to_text(), state.zone->to_text());
  state.zone = rr->owner;
  rr->ttl = 0;
  const auto fields = fields_of(line);
  if (rr->type == dns::rrtype::DS) {
    auto state_it = fields.find("state");
    if (!parse_ds(rr->rdata)) return std::string("malformed DS record");
    if (state_it != fields.end() && state_it->second != "SEED") return std::string("a DS record can only be state=SEED");
    state.seeds.push_back(std::move(*rr));
    return std::nullopt;
  }
  if (rr->type != dns::rrtype::DNSKEY || !parse_dnskey(rr->rdata))
    return std::string("only DS and well-formed DNSKEY records belong here");
  rr->rdata = without_revoke_bit(rr->rdata);
  ManagedKey key{std::move(*rr), KeyState::valid, 0, 0, 0};
  if (auto problem = read_key_fields(fields, key)) return problem;
  for (const ManagedKey& other : state.keys)
    if (other.dnskey.rdata == key.dnskey.rdata) return std::string("the same key twice");
  state.keys.push_back(std::move(key));
  return std::nullopt;
}

/// Writes all of `text` to `fd` and flushes it to disk; 0, or the errno of the failure.
int write_and_sync(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return ::fsync(fd) == 0 ? 0 : errno;
}

}  // namespace

AutoAnchorLoad parse_auto_anchor_text(std::string_view text, const std::string& path) {
  ParsedState state;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = trim(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_number;
    if (line.empty() || line.front() == ';') continue;
    if (auto problem = read_line(line, state))
      return AutoAnchorLoad{std::nullopt, fmt::format("{}:{}: {}", path, line_number, *problem)};
  }
  if (!state.zone) return AutoAnchorLoad{std::nullopt, fmt::format("{}: no DS or DNSKEY record", path)};
  return AutoAnchorLoad{ManagedTrustPoint(*state.zone, std::move(state.seeds), std::move(state.keys)), {}};
}

AutoAnchorLoad read_auto_anchor_file(const std::string& path, std::vector<dns::Record> default_seed) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return AutoAnchorLoad{ManagedTrustPoint(dns::Name{}, std::move(default_seed), {}), {}};
    return AutoAnchorLoad{std::nullopt, fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return AutoAnchorLoad{std::nullopt, fmt::format("{}: read error", path)};
  return parse_auto_anchor_text(text.str(), path);
}

std::string auto_anchor_text(const ManagedTrustPoint& point) {
  std::string out =
      "; tern trust-anchor-auto-file: RFC 5011 state of the trust anchor, written by ternd.\n"
      "; DS: a configured seed. DNSKEY: a tracked key, times in seconds since the epoch.\n";
  for (const dns::Record& ds : point.seed_ds()) out += dns::record_to_text(ds, 0) + " ;;state=SEED\n";
  for (const ManagedKey& key : point.keys()) {
    std::string record = dns::record_to_text(key.dnskey, 0);
    record = record.substr(0, record.find(';'));  // ldns's own ";{id = ...}" comment
    out += fmt::format("{} ;;state={} ;;first_seen={} ;;last_change={} ;;hold_down_until={} ;;key_tag={}\n",
                       trim(record), key_state_name(key.state), key.first_seen, key.last_change,
                       key.hold_down_until, key_tag(key.dnskey.rdata));
  }
  return out;
}

std::optional<std::string> write_auto_anchor_file(const std::string& path, const ManagedTrustPoint& point) {
  std::string temp = path + ".XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return fmt::format("{}: cannot create a temporary file: {}", path, std::strerror(errno));
  // Public keys, no secret: readable like /usr/share/dns/root.key, not mkstemp's 0600.
  int error = ::fchmod(fd, 0644) == 0 ? write_and_sync(fd, auto_anchor_text(point)) : errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error == 0) return std::nullopt;
  ::unlink(temp.c_str());
  return fmt::format("{}: cannot write: {}", path, std::strerror(error));
}

}  // namespace tern::resolver::dnssec
