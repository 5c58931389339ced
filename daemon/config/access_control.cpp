#include "daemon/config/access_control.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <span>

namespace tern::daemon {
namespace {

/// True when the first `bits` bits of `a` and `b` are equal.
bool same_prefix(std::span<const unsigned char> a, std::span<const unsigned char> b,
                 unsigned bits) {
  std::size_t whole = bits / 8;
  if (!std::equal(a.begin(), a.begin() + whole, b.begin())) return false;
  unsigned rest = bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xFFu << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

template <std::size_t N>
void clear_host_bits(std::array<unsigned char, N>& bytes, unsigned bits) {
  for (std::size_t i = 0; i < N; ++i) {
    unsigned kept = bits > i * 8 ? std::min(8u, bits - static_cast<unsigned>(i * 8)) : 0u;
    bytes[i] &= static_cast<unsigned char>(0xFF00u >> kept);
  }
}

/// Clears host bits and folds IPv4-mapped IPv6 prefixes to IPv4 (how such clients match).
AclRule normalise(asio::ip::address network, unsigned length, AclAction action) {
  if (network.is_v6()) {
    auto v6 = network.to_v6();
    if (v6.is_v4_mapped() && length >= 96) {
      network = asio::ip::make_address_v4(asio::ip::v4_mapped, v6);
      length -= 96;
    } else {
      auto bytes = v6.to_bytes();
      clear_host_bits(bytes, length);
      network = asio::ip::address_v6(bytes);  // drops any %scope: it means nothing in a prefix
    }
  }
  if (network.is_v4()) {
    auto bytes = network.to_v4().to_bytes();
    clear_host_bits(bytes, length);
    network = asio::ip::address_v4(bytes);
  }
  return AclRule{network, length, action};
}

std::optional<AclAction> parse_action(std::string_view word) {
  if (word == "allow") return AclAction::allow;
  if (word == "refuse") return AclAction::refuse;
  if (word == "deny") return AclAction::deny;
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

}  // namespace

AclAction decide_access(const std::vector<AclRule>& rules, const asio::ip::address& client) {
  asio::ip::address who = client;
  if (who.is_v6() && who.to_v6().is_v4_mapped()) {
    who = asio::ip::make_address_v4(asio::ip::v4_mapped, who.to_v6());
  }
  const AclRule* best = nullptr;
  for (const AclRule& rule : rules) {
    if (rule.network.is_v4() != who.is_v4()) continue;
    if (best != nullptr && rule.prefix_length <= best->prefix_length) continue;
    bool match = who.is_v4()
                     ? same_prefix(who.to_v4().to_bytes(), rule.network.to_v4().to_bytes(),
                                   rule.prefix_length)
                     : same_prefix(who.to_v6().to_bytes(), rule.network.to_v6().to_bytes(),
                                   rule.prefix_length);
    if (match) best = &rule;
  }
  return best != nullptr ? best->action : AclAction::refuse;
}

const std::vector<AclRule>& default_access_control() {
  // Built once from text so that the rules read exactly as an operator would write them.
  static const std::vector<AclRule> rules = [] {
    std::vector<AclRule> out;
    for (const char* text : {"127.0.0.0/8 allow", "::1/128 allow", "10.0.0.0/8 allow",
                             "172.16.0.0/12 allow", "192.168.0.0/16 allow",
                             "169.254.0.0/16 allow", "fc00::/7 allow", "fe80::/10 allow",
                             "0.0.0.0/0 refuse", "::/0 refuse"}) {
      std::string error;
      out.push_back(*parse_acl_rule(text, error));
    }
    return out;
  }();
  return rules;
}

const std::vector<AclRule>& default_http_access_control() {
  static const std::vector<AclRule> rules = [] {
    std::vector<AclRule> out;
    for (const char* text : {"127.0.0.0/8 allow", "::1/128 allow", "0.0.0.0/0 refuse", "::/0 refuse"}) {
      std::string error;
      out.push_back(*parse_acl_rule(text, error));
    }
    return out;
  }();
  return rules;
}

std::optional<AclRule> parse_acl_rule(std::string_view text, std::string& error) {
  text = trim(text);
  auto space = text.find_first_of(" \t");
  if (space == std::string_view::npos) {
    error = "expected \"PREFIX ACTION\" (action allow, refuse or deny)";
    return std::nullopt;
  }
  std::string_view prefix = text.substr(0, space);
  std::string_view word = trim(text.substr(space));
  auto action = parse_action(word);
  if (!action) {
    error = "unknown action '" + std::string(word) + "' (allow, refuse or deny)";
    return std::nullopt;
  }
  auto slash = prefix.find('/');
  std::error_code ec;
  auto network = asio::ip::make_address(std::string(prefix.substr(0, slash)), ec);
  if (ec) {
    error = "'" + std::string(prefix.substr(0, slash)) + "' is not an IP address";
    return std::nullopt;
  }
  unsigned max_length = network.is_v4() ? 32 : 128;
  unsigned length = max_length;
  if (slash != std::string_view::npos) {
    std::string_view digits = prefix.substr(slash + 1);
    auto [end, rc] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (digits.empty() || rc != std::errc() || end != digits.data() + digits.size() ||
        length > max_length) {
      error = "bad prefix length '" + std::string(digits) + "' (0.." +
              std::to_string(max_length) + ")";
      return std::nullopt;
    }
  }
  return normalise(network, length, *action);
}

std::string format_acl_rule(const AclRule& rule) {
  return rule.network.to_string() + "/" + std::to_string(rule.prefix_length) + " " +
         std::string(acl_action_name(rule.action));
}

std::string_view acl_action_name(AclAction action) {
  switch (action) {
    case AclAction::allow: return "allow";
    case AclAction::refuse: return "refuse";
    case AclAction::deny: return "deny";
  }
  return "refuse";
}

std::vector<AclRule> merge_acl_rules(std::vector<AclRule> rules,
                                     const std::vector<AclRule>& added) {
  for (const AclRule& rule : added) {
    auto same = std::find_if(rules.begin(), rules.end(), [&](const AclRule& r) {
      return r.network == rule.network && r.prefix_length == rule.prefix_length;
    });
    if (same != rules.end()) {
      same->action = rule.action;
    } else {
      rules.push_back(rule);
    }
  }
  return rules;
}

}  // namespace tern::daemon
