// RFC 8484 in HTTP terms, without any I/O: which DNS message a request carries (GET ?dns= in
// base64url, POST application/dns-message), or which HTTP status refuses it; and the
// cache-control max-age of a response. Pure functions, fuzzed (tests/fuzz/fuzz_doh.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::daemon {

/// What ternd answers a DoH request with, and what each status is counted as (https.status.N).
enum class DohStatus : std::uint16_t {
  ok = 200,
  bad_request = 400,             ///< bad base64url, no dns= parameter, a message that is not a DNS query
  not_found = 404,               ///< a path other than https-endpoint
  method_not_allowed = 405,      ///< a method other than GET and POST
  payload_too_large = 413,       ///< a message over 65535 octets
  unsupported_media_type = 415,  ///< a POST whose content-type is not application/dns-message
  too_early = 425,               ///< a POST in TLS 1.3 early data (RFC 8470): replayable, retry after the handshake
  headers_too_large = 431,       ///< the request's headers over https_max_header_list
};
inline constexpr DohStatus doh_statuses[] = {
    DohStatus::ok, DohStatus::bad_request, DohStatus::not_found, DohStatus::method_not_allowed,
    DohStatus::payload_too_large, DohStatus::unsupported_media_type, DohStatus::too_early,
    DohStatus::headers_too_large};
inline constexpr std::size_t doh_status_count = std::size(doh_statuses);
/// The index of `status` in doh_statuses (for counters).
std::size_t doh_status_index(DohStatus status) noexcept;

/// One request as HTTP/2 delivered it (pseudo-headers and the one header DoH looks at).
struct DohRequest {
  std::string method;        ///< :method
  std::string path;          ///< :path, query string included
  std::string content_type;  ///< content-type (POST)
  std::vector<std::uint8_t> body;
  bool headers_too_large = false;  ///< the header list passed https_max_header_list (fields dropped)
  bool body_too_large = false;     ///< the body passed https_max_message (the rest dropped)
  bool early_data = false;         ///< some of it came in TLS 1.3 early data
};

/// The verdict on a request: the DNS query it carries (status ok) or why not.
struct DohVerdict {
  DohStatus status = DohStatus::ok;
  std::vector<std::uint8_t> query;
};

/// RFC 8484 §4.1: judges `request` against the endpoint path (https-endpoint).
DohVerdict judge_doh_request(DohRequest& request, std::string_view endpoint);

/// RFC 4648 §5 base64url without padding (RFC 8484 §4.1: padding MUST NOT be sent; tolerated
/// here); nullopt for any other character or an impossible length.
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

/// RFC 8484 §5.1: the freshness lifetime of `response`: the smallest TTL of its answer
/// section, or of its authority section when the answer is empty (the SOA of NXDOMAIN and
/// NODATA, whose TTL tern sets to the negative TTL); 0 for a response without records
/// (SERVFAIL, REFUSED) or that does not parse.
std::uint32_t response_max_age(std::span<const std::uint8_t> response);

}  // namespace tern::daemon
