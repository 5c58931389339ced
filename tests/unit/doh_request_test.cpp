// RFC 8484 requests and responses in HTTP terms (daemon/listeners/doh_request.hpp).
#include <catch2/catch.hpp>

#include "daemon/listeners/doh_request.hpp"

#include <cstdint>
#include <string>
#include <vector>

using namespace tern::daemon;

namespace {

using Bytes = std::vector<std::uint8_t>;

/// www.example.lab A, ID 0, RD (the example of RFC 8484 §4.1.1 with another name).
const Bytes query{0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
                  3, 'l', 'a', 'b', 0, 0, 1, 0, 1};
const std::string query_b64 = "AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2xhYgAAAQAB";

DohRequest get(const std::string& path) { return DohRequest{"GET", path, "", {}}; }
DohRequest post(const std::string& type, Bytes body) { return DohRequest{"POST", "/dns-query", type, std::move(body)}; }

/// A response with ANCOUNT/NSCOUNT records of the given TTLs (owner: a pointer to the question).
Bytes response(std::vector<std::uint32_t> answer_ttls, std::vector<std::uint32_t> authority_ttls) {
  Bytes m = query;
  m[2] = 0x81;
  m[7] = static_cast<std::uint8_t>(answer_ttls.size());
  m[9] = static_cast<std::uint8_t>(authority_ttls.size());
  for (auto ttls : {answer_ttls, authority_ttls})
    for (std::uint32_t ttl : ttls) {
      const Bytes rr{0xc0, 12, 0, 1, 0, 1, static_cast<std::uint8_t>(ttl >> 24), static_cast<std::uint8_t>(ttl >> 16),
                     static_cast<std::uint8_t>(ttl >> 8), static_cast<std::uint8_t>(ttl), 0, 4, 127, 0, 0, 1};
      m.insert(m.end(), rr.begin(), rr.end());
    }
  return m;
}

}  // namespace

TEST_CASE("base64url without padding decodes; padding tolerated; other alphabets refused", "[doh]") {
  CHECK(base64url_decode(query_b64) == query);
  CHECK(base64url_decode("-_8") == Bytes{0xfb, 0xff});
  CHECK(base64url_decode("-_8=") == Bytes{0xfb, 0xff});
  CHECK(base64url_decode("") == Bytes{});
  CHECK_FALSE(base64url_decode("+/8"));  // base64, not base64url
  CHECK_FALSE(base64url_decode("A"));    // 6 bits cannot end an octet
  CHECK_FALSE(base64url_decode("AA AA"));
}

TEST_CASE("RFC 8484 verdicts: GET and POST answered, every refusal its status", "[doh]") {
  auto verdict = [](DohRequest r) { return judge_doh_request(r, "/dns-query"); };
  auto ok = verdict(get("/dns-query?dns=" + query_b64));
  CHECK(ok.status == DohStatus::ok);
  CHECK(ok.query == query);
  CHECK(verdict(get("/dns-query?ct&dns=" + query_b64)).status == DohStatus::ok);  // other parameters ignored
  CHECK(verdict(post("application/dns-message", query)).query == query);
  CHECK(verdict(post("Application/DNS-Message", query)).status == DohStatus::ok);

  CHECK(verdict(get("/other?dns=" + query_b64)).status == DohStatus::not_found);
  CHECK(verdict(get("/dns-query/x?dns=" + query_b64)).status == DohStatus::not_found);
  CHECK(verdict(DohRequest{"PUT", "/dns-query", "application/dns-message", query}).status ==
        DohStatus::method_not_allowed);
  CHECK(verdict(get("/dns-query")).status == DohStatus::bad_request);
  CHECK(verdict(get("/dns-query?dns=***")).status == DohStatus::bad_request);
  CHECK(verdict(get("/dns-query?dns=AAAA")).status == DohStatus::bad_request);  // 3 octets: no DNS header
  CHECK(verdict(post("text/plain", query)).status == DohStatus::unsupported_media_type);
  CHECK(verdict(post("application/dns-message", {})).status == DohStatus::bad_request);
  Bytes answer = query;
  answer[2] |= 0x80;  // QR=1: a response, not a query
  CHECK(verdict(post("application/dns-message", answer)).status == DohStatus::bad_request);
  DohRequest large = post("application/dns-message", {});
  large.body_too_large = true;
  CHECK(verdict(large).status == DohStatus::payload_too_large);
  DohRequest headers = get("/dns-query?dns=" + query_b64);
  headers.headers_too_large = true;
  CHECK(verdict(headers).status == DohStatus::headers_too_large);
  // RFC 8470: a POST in early data is refused with 425, a GET answered.
  DohRequest early_post = post("application/dns-message", query);
  early_post.early_data = true;
  CHECK(verdict(early_post).status == DohStatus::too_early);
  DohRequest early_get = get("/dns-query?dns=" + query_b64);
  early_get.early_data = true;
  CHECK(verdict(early_get).status == DohStatus::ok);
}

TEST_CASE("max-age: the smallest answer TTL, else the authority's (negative TTL), else 0", "[doh]") {
  CHECK(response_max_age(response({300, 60, 120}, {})) == 60);
  CHECK(response_max_age(response({300}, {10})) == 300);  // the authority does not count beside an answer
  CHECK(response_max_age(response({}, {900})) == 900);    // NXDOMAIN/NODATA: the SOA's
  CHECK(response_max_age(response({}, {})) == 0);         // SERVFAIL, REFUSED
  CHECK(response_max_age(Bytes{1, 2, 3}) == 0);
}
