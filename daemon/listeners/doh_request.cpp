#include "daemon/listeners/doh_request.hpp"

#include "daemon/listeners/https_limits.hpp"
#include "resolver/dns/wire_check.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace tern::daemon {

namespace {

/// RFC 8484 §6: the media type of a DNS message.
constexpr std::string_view dns_message_type = "application/dns-message";
constexpr std::size_t dns_header_size = 12;

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
         });
}

/// The value of `name` in a query string ("a=1&dns=...&b"); nullopt when absent.
std::optional<std::string_view> query_parameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=')
      return pair.substr(name.size() + 1);
  }
  return std::nullopt;
}

/// What every query must be to be worth a resolver's time: a header, QR=0. Anything the query
/// handler would answer (FORMERR included) passes: its answer is the clearer error.
bool looks_like_query(std::span<const std::uint8_t> message) {
  return message.size() >= dns_header_size && (message[2] & 0x80) == 0;
}

}  // namespace

std::size_t doh_status_index(DohStatus status) noexcept {
  for (std::size_t i = 0; i < doh_status_count; ++i)
    if (doh_statuses[i] == status) return i;
  return 0;
}

std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;  // 6 bits cannot end an octet
  std::vector<std::uint8_t> out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t bits = 0;
  unsigned held = 0;
  for (char c : text) {
    unsigned v;
    if (c >= 'A' && c <= 'Z') v = static_cast<unsigned>(c - 'A');
    else if (c >= 'a' && c <= 'z') v = static_cast<unsigned>(c - 'a' + 26);
    else if (c >= '0' && c <= '9') v = static_cast<unsigned>(c - '0' + 52);
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else return std::nullopt;
    bits = (bits << 6) | v;
    held += 6;
    if (held >= 8) {
      held -= 8;
      out.push_back(static_cast<std::uint8_t>(bits >> held));
      bits &= (1u << held) - 1;
    }
  }
  return out;
}

DohVerdict judge_doh_request(DohRequest& request, std::string_view endpoint) {
  if (request.headers_too_large) return {DohStatus::headers_too_large, {}};
  std::string_view path = request.path;
  const std::size_t question_mark = path.find('?');
  const std::string_view query = question_mark == std::string_view::npos ? std::string_view() : path.substr(question_mark + 1);
  if (path.substr(0, question_mark) != endpoint) return {DohStatus::not_found, {}};
  if (request.method == "GET") {
    auto value = query_parameter(query, "dns");
    if (!value) return {DohStatus::bad_request, {}};
    auto message = base64url_decode(*value);
    if (!message) return {DohStatus::bad_request, {}};
    if (message->size() > https_max_message) return {DohStatus::payload_too_large, {}};
    if (!looks_like_query(*message)) return {DohStatus::bad_request, {}};
    return {DohStatus::ok, std::move(*message)};
  }
  if (request.method != "POST") return {DohStatus::method_not_allowed, {}};
  // RFC 8470 §5.2: a request in early data that the server will not risk replaying.
  if (request.early_data) return {DohStatus::too_early, {}};
  if (!equal_ignoring_case(request.content_type, dns_message_type)) return {DohStatus::unsupported_media_type, {}};
  if (request.body_too_large) return {DohStatus::payload_too_large, {}};
  if (!looks_like_query(request.body)) return {DohStatus::bad_request, {}};
  return {DohStatus::ok, std::move(request.body)};
}

std::uint32_t response_max_age(std::span<const std::uint8_t> response) {
  std::vector<dns::RecordRef> records;
  if (dns::check_message(response, &records) != dns::WireError::none) return 0;
  for (dns::Section section : {dns::Section::answer, dns::Section::authority}) {
    std::uint32_t smallest = std::numeric_limits<std::uint32_t>::max();
    for (const dns::RecordRef& r : records)
      if (r.section == section) smallest = std::min(smallest, r.ttl);
    if (smallest != std::numeric_limits<std::uint32_t>::max()) return smallest;
  }
  return 0;
}

}  // namespace tern::daemon
