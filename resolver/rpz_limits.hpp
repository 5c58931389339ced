// Bounds on response policy zones (daemon/answering/rpz_zone.hpp, daemon/process/rpz_transfer.hpp),
// next to limits.hpp: a feed is an outside party's data, and each bound says what a runaway
// or hostile feed would otherwise take.
#pragma once

#include <chrono>
#include <cstddef>

namespace tern::resolver::limits::rpz {

/// Records one policy zone may hold (file or transfer). Past it the load fails and the zone
/// keeps its previous contents, instead of taking the resolver's memory (a million QNAME
/// triggers take under 80 MiB, README).
inline constexpr std::size_t max_records = 10'000'000;

/// Records of local data at one trigger name: an answer is built from them on every hit.
inline constexpr std::size_t max_local_records = 64;

/// Policy zones in the `rpz` list: each is looked at in turn for every query.
inline constexpr std::size_t max_zones = 32;

/// Octets one zone transfer (AXFR or IXFR, all its messages) may bring; past it the transfer
/// fails and the zone keeps its contents. 1 GiB: ten million records of 100 octets.
inline constexpr std::size_t max_transfer_octets = std::size_t{1} << 30;

/// Time one transfer may take from connecting to its last message before it is given up.
inline constexpr std::chrono::seconds transfer_timeout{60};

/// The SOA refresh and retry intervals are kept within these (a feed saying 0 would have us
/// ask its primary in a loop; one saying a year would never be refreshed).
inline constexpr std::chrono::seconds min_refresh{2};
inline constexpr std::chrono::seconds max_refresh{86400};

}  // namespace tern::resolver::limits::rpz
