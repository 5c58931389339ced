#include "daemon/config/access_control.hpp"

#include <catch2/catch.hpp>

using namespace tern::daemon;

namespace {

AclRule rule(const char* text) {
  std::string error;
  auto parsed = parse_acl_rule(text, error);
  INFO(text << ": " << error);
  REQUIRE(parsed);
  return *parsed;
}

AclAction decide(const std::vector<AclRule>& rules, const char* client) {
  return decide_access(rules, asio::ip::make_address(client));
}

std::string parse_error(const char* text) {
  std::string error;
  CHECK_FALSE(parse_acl_rule(text, error));
  return error;
}

}  // namespace

TEST_CASE("acl: parse rules, bare addresses are host prefixes", "[acl]") {
  CHECK(rule("10.0.0.0/8 allow") == AclRule{asio::ip::make_address("10.0.0.0"), 8, AclAction::allow});
  CHECK(rule("192.0.2.7 deny") == AclRule{asio::ip::make_address("192.0.2.7"), 32, AclAction::deny});
  CHECK(rule("2001:db8::1 refuse").prefix_length == 128);
  CHECK(rule("  ::/0   refuse ").action == AclAction::refuse);
  CHECK(format_acl_rule(rule("2001:db8::/32 allow")) == "2001:db8::/32 allow");
}

TEST_CASE("acl: host bits are masked, not rejected", "[acl]") {
  CHECK(rule("10.1.2.3/8 allow").network == asio::ip::make_address("10.0.0.0"));
  CHECK(rule("192.168.1.255/23 allow").network == asio::ip::make_address("192.168.0.0"));
  CHECK(rule("2001:db8:ffff::1/33 allow").network == asio::ip::make_address("2001:db8:8000::"));
  CHECK(rule("1.2.3.4/0 refuse").network == asio::ip::make_address("0.0.0.0"));
}

TEST_CASE("acl: IPv4-mapped IPv6 prefixes fold to IPv4", "[acl]") {
  CHECK(rule("::ffff:10.0.0.0/104 deny") ==
        AclRule{asio::ip::make_address("10.0.0.0"), 8, AclAction::deny});
  CHECK(rule("::ffff:192.0.2.1 deny").prefix_length == 32);
}

TEST_CASE("acl: malformed rules say why", "[acl]") {
  CHECK(parse_error("10.0.0.0/8") == "expected \"PREFIX ACTION\" (action allow, refuse or deny)");
  CHECK(parse_error("10.0.0.0/8 permit") == "unknown action 'permit' (allow, refuse or deny)");
  CHECK(parse_error("10.0.0.300/8 allow") == "'10.0.0.300' is not an IP address");
  CHECK(parse_error("10.0.0.0/33 allow") == "bad prefix length '33' (0..32)");
  CHECK(parse_error("::/129 allow") == "bad prefix length '129' (0..128)");
  CHECK(parse_error("10.0.0.0/ allow") == "bad prefix length '' (0..32)");
  CHECK(parse_error("10.0.0.0/-1 allow") == "bad prefix length '-1' (0..32)");
  CHECK(parse_error("example.com allow") == "'example.com' is not an IP address");
}

TEST_CASE("acl: the longest matching prefix wins, whatever the order", "[acl]") {
  std::vector<AclRule> rules{rule("10.1.2.0/24 deny"), rule("10.0.0.0/8 allow"),
                             rule("10.1.0.0/16 refuse"), rule("0.0.0.0/0 refuse")};
  CHECK(decide(rules, "10.9.9.9") == AclAction::allow);
  CHECK(decide(rules, "10.1.9.9") == AclAction::refuse);
  CHECK(decide(rules, "10.1.2.3") == AclAction::deny);
  CHECK(decide(rules, "11.0.0.1") == AclAction::refuse);
  CHECK(decide({rule("192.0.2.1 allow"), rule("192.0.2.0/24 deny")}, "192.0.2.1") ==
        AclAction::allow);
  CHECK(decide({rule("192.0.2.0/31 allow")}, "192.0.2.1") == AclAction::allow);
  CHECK(decide({rule("192.0.2.0/31 allow")}, "192.0.2.2") == AclAction::refuse);
}

TEST_CASE("acl: no matching rule, or the other family only, means refuse", "[acl]") {
  CHECK(decide({}, "127.0.0.1") == AclAction::refuse);
  CHECK(decide({rule("::/0 allow")}, "192.0.2.1") == AclAction::refuse);
  CHECK(decide({rule("0.0.0.0/0 allow")}, "2001:db8::1") == AclAction::refuse);
}

TEST_CASE("acl: IPv4-mapped IPv6 clients match as IPv4", "[acl]") {
  std::vector<AclRule> rules{rule("10.0.0.0/8 allow"), rule("0.0.0.0/0 deny"),
                             rule("::/0 refuse")};
  CHECK(decide(rules, "::ffff:10.1.2.3") == AclAction::allow);
  CHECK(decide(rules, "::ffff:192.0.2.1") == AclAction::deny);
  CHECK(decide(rules, "2001:db8::1") == AclAction::refuse);
}

TEST_CASE("acl: built-in rules answer local networks and refuse the rest", "[acl]") {
  const auto& rules = default_access_control();
  for (const char* local : {"127.0.0.1", "127.255.0.9", "::1", "10.2.3.4", "172.16.0.1",
                            "172.31.255.254", "192.168.1.1", "169.254.1.1", "fd00::1",
                            "fe80::1", "::ffff:127.0.0.1", "::ffff:192.168.0.10"}) {
    INFO(local);
    CHECK(decide(rules, local) == AclAction::allow);
  }
  for (const char* remote : {"8.8.8.8", "172.32.0.1", "192.0.2.1", "2001:db8::1", "::2",
                             "::ffff:8.8.8.8", "0.0.0.0", "::"}) {
    INFO(remote);
    CHECK(decide(rules, remote) == AclAction::refuse);
  }
}

TEST_CASE("acl: merging replaces a rule with the same prefix in place", "[acl]") {
  auto merged = merge_acl_rules(default_access_control(),
                                {rule("0.0.0.0/0 allow"), rule("192.0.2.0/24 deny"),
                                 rule("10.0.0.0/8 deny")});
  CHECK(merged.size() == default_access_control().size() + 1);
  CHECK(merged.back() == rule("192.0.2.0/24 deny"));
  CHECK(decide(merged, "8.8.8.8") == AclAction::allow);
  CHECK(decide(merged, "10.0.0.1") == AclAction::deny);
  CHECK(decide(merged, "2001:db8::1") == AclAction::refuse);
  CHECK(merge_acl_rules(merged, merged) == merged);
}

TEST_CASE("acl: action names", "[acl]") {
  CHECK(acl_action_name(AclAction::allow) == "allow");
  CHECK(acl_action_name(AclAction::refuse) == "refuse");
  CHECK(acl_action_name(AclAction::deny) == "deny");
}
