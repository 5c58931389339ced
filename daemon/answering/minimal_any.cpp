#include "daemon/answering/minimal_any.hpp"

namespace tern::daemon {

namespace {
constexpr std::uint16_t hinfo = 13;
constexpr std::uint32_t hinfo_ttl_without_soa = 300;
}  // namespace

resolver::Outcome minimal_any_outcome(resolver::Outcome resolved, const dns::Name& name) {
  if (resolved.rcode != dns::rcode::noerror || !resolved.answer.empty()) return resolved;
  const std::uint32_t ttl = resolved.authority.empty() ? hinfo_ttl_without_soa : resolved.authority.front().ttl;
  // RFC 8482 §4.2: CPU "RFC8482", OS empty.
  resolved.answer = {dns::Record{name, hinfo, dns::class_in, ttl, std::string("\x07RFC8482\x00", 9)}};
  resolved.authority.clear();
  return resolved;
}

}  // namespace tern::daemon
