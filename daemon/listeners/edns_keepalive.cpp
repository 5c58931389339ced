#include "daemon/listeners/edns_keepalive.hpp"

#include "resolver/dns/types.hpp"
#include "resolver/dns/wire_check.hpp"

#include <algorithm>
#include <optional>

namespace tern::daemon {

namespace {

constexpr std::uint16_t opt_type = 41;

/// The OPT record of a checked message, or nullopt (check_message allows at most one).
std::optional<dns::RecordRef> find_opt(std::span<const std::uint8_t> message) {
  std::vector<dns::RecordRef> records;
  if (dns::check_message(message, &records) != dns::WireError::none) return std::nullopt;
  for (const auto& r : records)
    if (r.type == opt_type) return r;
  return std::nullopt;
}

}  // namespace

bool query_asks_for_keepalive(std::span<const std::uint8_t> query) {
  auto opt = find_opt(query);
  if (!opt) return false;
  // RDATA: a sequence of {code, length, data}; a truncated option ends the walk.
  std::size_t at = opt->rdata_offset;
  const std::size_t end = opt->rdata_offset + opt->rdlength;
  while (at + 4 <= end) {
    const std::uint16_t code = dns::read_u16(query, at);
    const std::uint16_t length = dns::read_u16(query, at + 2);
    if (code == edns_tcp_keepalive_option) return length == 0;
    at += 4 + std::size_t{length};
  }
  return false;
}

bool add_keepalive(std::vector<std::uint8_t>& response, std::chrono::milliseconds timeout) {
  auto opt = find_opt(response);
  if (!opt) return false;
  // Growing the last record moves nothing a compression pointer could point at.
  if (opt->rdata_offset + opt->rdlength != response.size()) return false;
  const std::size_t new_rdlength = std::size_t{opt->rdlength} + 6;
  if (response.size() + 6 > 65535 || new_rdlength > 65535) return false;
  // 0 would tell the client to close at once (RFC 7828 §3.2.2): the shortest timeout is 100 ms.
  const auto units = static_cast<std::uint16_t>(std::clamp<long long>(timeout.count() / 100, 1, 65535));
  const std::uint8_t option[] = {0, edns_tcp_keepalive_option, 0, 2, static_cast<std::uint8_t>(units >> 8),
                                 static_cast<std::uint8_t>(units & 0xff)};
  response.insert(response.end(), std::begin(option), std::end(option));
  const std::size_t rdlength_at = opt->rdata_offset - 2;
  response[rdlength_at] = static_cast<std::uint8_t>(new_rdlength >> 8);
  response[rdlength_at + 1] = static_cast<std::uint8_t>(new_rdlength & 0xff);
  return true;
}

}  // namespace tern::daemon
