// The failure cache (RFC 9520) as ternctl shows it: `cache show NAME` lists the remembered
// failures that answer NAME (its question's, and its zones'), `cache dump` writes every live
// one as a comment. Kept apart from control_commands.cpp, which formats the data caches.
#pragma once

#include "cache/clock.hpp"
#include "cache/failure_cache.hpp"
#include "resolver/dns/name.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace tern::daemon {

/// One `cache show` block per remembered failure that concerns `name` (of `type` when set):
/// the question's own, and those of the zones at or above it (every name below a failed zone
/// fails). Each block: the header, scope, reason, remaining, failures, next-backoff. "" when none.
std::string show_failures(cache::FailureCache& failures, const dns::Name& name, std::optional<std::uint16_t> type,
                          cache::TimePoint now);

/// The failures still answered from the cache, one comment line each ("; FAILURE ..."), in
/// canonical name order; `written` is how many.
std::string dump_failures(cache::FailureCache& failures, cache::TimePoint now, std::size_t& written);

}  // namespace tern::daemon
