// Client access control: which clients get answers, which get REFUSED and which are dropped.
// The rules come from the `access-control` setting; the built-in rules make an open resolver
// impossible by default (answer loopback and private ranges only, REFUSED for everyone else).
#pragma once

#include "daemon/config/config.hpp"

#include <asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::daemon {

/// The action of the rule with the longest prefix containing `client`; refuse when none does.
/// An IPv4-mapped IPv6 client (::ffff:a.b.c.d, a dual-stack socket) matches as IPv4.
AclAction decide_access(const std::vector<AclRule>& rules, const asio::ip::address& client);

/// The rules every configuration starts with: allow loopback, RFC 1918, link-local and ULA
/// networks, refuse 0.0.0.0/0 and ::/0.
const std::vector<AclRule>& default_access_control();

/// The rules http-access-control starts with: allow 127.0.0.0/8 and ::1, refuse everyone
/// else (the status page is for the machine's own operator unless told otherwise).
const std::vector<AclRule>& default_http_access_control();

/// Parses "PREFIX ACTION" ("10.0.0.0/8 allow", "::1 deny"; a bare address is a host prefix).
/// Host bits past the prefix length are cleared; an IPv4-mapped IPv6 prefix of length >= 96
/// becomes the IPv4 prefix it denotes, because that is how such clients are matched.
/// On failure returns nullopt and sets `error` to a message without location.
std::optional<AclRule> parse_acl_rule(std::string_view text, std::string& error);

/// "PREFIX/LENGTH ACTION", the form parse_acl_rule reads back to an equal rule.
std::string format_acl_rule(const AclRule& rule);

/// "allow", "refuse" or "deny".
std::string_view acl_action_name(AclAction action);

/// `rules` followed by `added`, where a rule of `added` with the same network and prefix length
/// as an earlier rule replaces that rule in place (so the operator can override a default).
std::vector<AclRule> merge_acl_rules(std::vector<AclRule> rules, const std::vector<AclRule>& added);

}  // namespace tern::daemon
