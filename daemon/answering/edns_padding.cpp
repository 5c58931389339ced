#include "daemon/answering/edns_padding.hpp"

#include "resolver/dns/types.hpp"
#include "resolver/dns/wire_check.hpp"

#include <optional>

namespace tern::daemon {

namespace {

constexpr std::uint16_t opt_type = 41;

/// The OPT record of a checked message, or nullopt (check_message allows at most one).
std::optional<dns::RecordRef> find_opt(std::span<const std::uint8_t> message, std::vector<dns::RecordRef>& records) {
  records.clear();
  if (dns::check_message(message, &records) != dns::WireError::none) return std::nullopt;
  for (const auto& r : records)
    if (r.type == opt_type) return r;
  return std::nullopt;
}

}  // namespace

bool query_asks_for_padding(std::span<const std::uint8_t> query) {
  std::vector<dns::RecordRef> records;
  auto opt = find_opt(query, records);
  if (!opt) return false;
  // RDATA: a sequence of {code, length, data}; a truncated option ends the walk.
  std::size_t at = opt->rdata_offset;
  const std::size_t end = opt->rdata_offset + opt->rdlength;
  while (at + 4 <= end) {
    const std::uint16_t code = dns::read_u16(query, at);
    const std::uint16_t length = dns::read_u16(query, at + 2);
    if (code == edns_padding_option) return true;
    at += 4 + std::size_t{length};
  }
  return false;
}

bool pad_response(std::vector<std::uint8_t>& response, std::size_t block) {
  std::vector<dns::RecordRef> records;
  auto opt = find_opt(response, records);
  if (!opt || block == 0) return false;
  const std::size_t opt_end = opt->rdata_offset + opt->rdlength;
  // Growing the last record moves nothing a compression pointer could point at.
  if (opt_end != response.size()) return false;
  const std::size_t with_header = response.size() + 4;
  const std::size_t padding = (block - with_header % block) % block;
  const std::size_t new_rdlength = std::size_t{opt->rdlength} + 4 + padding;
  if (with_header + padding > 65535 || new_rdlength > 65535) return false;
  response.push_back(static_cast<std::uint8_t>(edns_padding_option >> 8));
  response.push_back(static_cast<std::uint8_t>(edns_padding_option & 0xff));
  response.push_back(static_cast<std::uint8_t>(padding >> 8));
  response.push_back(static_cast<std::uint8_t>(padding & 0xff));
  response.insert(response.end(), padding, std::uint8_t{0});  // RFC 7830 §3: zeros
  const std::size_t rdlength_at = opt->rdata_offset - 2;
  response[rdlength_at] = static_cast<std::uint8_t>(new_rdlength >> 8);
  response[rdlength_at + 1] = static_cast<std::uint8_t>(new_rdlength & 0xff);
  return true;
}

}  // namespace tern::daemon
