// The status page's pieces without a process (issue 22): the HTTP request parser (untrusted
// input), the event ring behind Last-Event-ID, the JSON strings of events, the
// http-access-control defaults and the settings.
#include "daemon/config/access_control.hpp"
#include "daemon/config/config_loader.hpp"
#include "daemon/control/event_ring.hpp"
#include "daemon/control/http_request.hpp"
#include "daemon/control/status_limits.hpp"
#include "daemon/control/status_sampler.hpp"
#include "tests/unit/temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace tern::daemon;

namespace {

Config load_config_text(const std::string& yaml) {
  tern::test::TempDir dir;
  return load_config(dir.write("ternd.yaml", yaml), {});
}

}  // namespace

TEST_CASE("status page: a request head is parsed or refused", "[status-page]") {
  auto r = parse_http_request("GET /watch?name=db.shop.lab&type=AAAA HTTP/1.1\r\nHost: x\r\nlast-event-id:  42 \r\n\r\n");
  REQUIRE(r);
  CHECK(r->method == "GET");
  CHECK(r->path == "/watch");
  CHECK(r->param("name") == "db.shop.lab");
  CHECK(r->param("type") == "AAAA");
  CHECK(!r->param("other"));
  CHECK(r->last_event_id == 42u);
  CHECK(parse_http_request("GET /watch?name=a%2Eb+c HTTP/1.0\r\n\r\n")->param("name") == "a.b c");
  CHECK(!parse_http_request("GET /events HTTP/1.1\r\n\r\n")->last_event_id);

  CHECK(!parse_http_request(""));
  CHECK(!parse_http_request("GET\r\n\r\n"));
  CHECK(!parse_http_request("GET / HTTP/2.0\r\n\r\n"));
  CHECK(!parse_http_request("GET / HTTP/1.1 extra\r\n\r\n"));
  CHECK(!parse_http_request("get / HTTP/1.1\r\n\r\n"));
  CHECK(!parse_http_request("GET events HTTP/1.1\r\n\r\n"));
  CHECK(!parse_http_request("GET /%zz HTTP/1.1\r\n\r\n"));
  CHECK(!parse_http_request("GET /?name=%4 HTTP/1.1\r\n\r\n"));
  CHECK(!parse_http_request("GET /?name=%00 HTTP/1.1\r\n\r\n"));
  CHECK(!parse_http_request("GET / HTTP/1.1\r\nno colon here\r\n\r\n"));
  CHECK(!parse_http_request("GET / HTTP/1.1\r\nLast-Event-ID: x1\r\n\r\n"));
  CHECK(!parse_http_request("GET / HTTP/1.1\r\nLast-Event-ID: 99999999999999999999999\r\n\r\n"));
  CHECK(!parse_http_request("GET /?a&b&c&d&e&f&g&h&i HTTP/1.1\r\n\r\n"));  // past max_query_params
  CHECK(parse_http_request("GET /?a&b&c&d&e&f&g&h HTTP/1.1\r\n\r\n"));
  CHECK(!parse_http_request("GET /" + std::string(status_limits::max_request, 'a') + " HTTP/1.1\r\n\r\n"));
}

TEST_CASE("status page: the ring resumes after Last-Event-ID while it holds what follows", "[status-page]") {
  EventRing ring(4);
  CHECK(ring.resume_from(std::nullopt, 120) == 1);
  for (int i = 0; i < 6; ++i) ring.push("sample", "{}");
  CHECK(ring.next_id() == 7);
  CHECK(ring.oldest_id() == 3);
  CHECK(ring.text(3) == "id: 3\nevent: sample\ndata: {}\n\n");
  CHECK(ring.resume_from(4, 120) == 5);          // within the ring: right after
  CHECK(ring.resume_from(2, 120) == 3);          // just before the oldest: nothing lost
  CHECK(ring.resume_from(1, 120) == 3);          // lagged past the ring: from the oldest
  CHECK(ring.resume_from(6, 120) == 7);          // seen everything
  CHECK(ring.resume_from(1000, 120) == 3);       // another process's id: everything kept
  CHECK(ring.resume_from(std::nullopt, 2) == 5);  // a new stream: the last few
}

TEST_CASE("status page: event data is valid JSON whatever the DNS data", "[status-page]") {
  CHECK(json_string("db.shop.lab.") == "\"db.shop.lab.\"");
  CHECK(json_string("a\"b\\c\n\x01\xff") == "\"a\\\"b\\\\c\\u000a\\u0001\\u00ff\"");
}

TEST_CASE("status page: settings, and loopback only by default", "[status-page][config]") {
  const Config defaults = load_config_text("");
  CHECK(defaults.http_listen.empty());
  CHECK(decide_access(defaults.http_access_control, asio::ip::make_address("127.0.0.1")) == AclAction::allow);
  CHECK(decide_access(defaults.http_access_control, asio::ip::make_address("::1")) == AclAction::allow);
  CHECK(decide_access(defaults.http_access_control, asio::ip::make_address("192.168.1.1")) == AclAction::refuse);
  CHECK(decide_access(defaults.http_access_control, asio::ip::make_address("2001:db8::1")) == AclAction::refuse);
  const Config set = load_config_text("http-listen: 127.0.0.1@8053\nhttp-access-control: [\"192.168.0.0/16 allow\", \"127.0.0.2 deny\"]\n");
  REQUIRE(set.http_listen.size() == 1);
  CHECK(set.http_listen[0].port == 8053);
  CHECK(decide_access(set.http_access_control, asio::ip::make_address("192.168.1.1")) == AclAction::allow);
  CHECK(decide_access(set.http_access_control, asio::ip::make_address("127.0.0.2")) == AclAction::deny);
  CHECK(decide_access(set.http_access_control, asio::ip::make_address("10.0.0.1")) == AclAction::refuse);
  CHECK_THROWS(load_config_text("http-listen: 127.0.0.1\n"));  // no port
  CHECK_THROWS(load_config_text("http-access-control: [\"10.0.0.0/8 maybe\"]\n"));
}
