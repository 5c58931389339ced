// The settings of work under pressure: how many resolutions may wait on authorities at once
// and how many upstream sockets they may hold (issue 16: both were unbounded, and a flood of
// slow queries grew memory and descriptors without end).
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/settings_parse.hpp"

#include <array>

namespace tern::daemon {
namespace {

constexpr std::array rows{
    Setting{
        .name = "max-resolutions-per-worker", .kind = ValueKind::integer, .default_text = "1024",
        .min = 1, .max = 1000000,
        .help = "Client questions waiting on a resolution at once, per worker thread.",
        .doc = "The largest number of client questions that may wait on a resolution at once in "
               "each worker thread (Unbound's num-queries-per-thread, PowerDNS's max-mthreads). "
               "It stops a flood of questions that the cache cannot answer (random subdomains "
               "of a zone whose authorities are slow or rate-limit) from growing memory and "
               "upstream sockets without end: each waiting question holds its coroutine frames, "
               "buffers and an upstream socket. When the bound is reached, the oldest waiting "
               "question gives way to the new one if it has waited at least "
               "resolution-jostle-timeout (its walk is cancelled, its client gets SERVFAIL with "
               "Extended DNS Error 0 and the text \"resolver busy\"), else the new question gets "
               "that SERVFAIL; counted as resolutions.jostled and resolutions.refused. Cache "
               "hits, local zones, stale answers and remembered failures are answered before "
               "this bound and never meet it; prefetches and serve-stale rechecks only take a "
               "free place and are the first to give way. The default is Unbound's. Each "
               "waiting question holds about 20 KiB of heap (15 to 28 KiB measured by "
               "tests/bench/flight_flood.sh; resolver.in-flight-memory), so the bound caps "
               "what a flood can take at about threads x max-resolutions-per-worker x 20 KiB "
               "of heap (40 MiB with 2 threads and the default) on top of cache-size, however "
               "many questions clients keep outstanding; the allocator may keep up to about as "
               "much again resident for a while after a flood.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::max_resolutions_per_worker>,
        .dump = dump_integer<&Config::max_resolutions_per_worker>},
    Setting{
        .name = "resolution-jostle-timeout", .kind = ValueKind::integer, .default_text = "200",
        .min = 0, .max = 60000,
        .help = "Milliseconds a resolution waits before a newer one may push it out when full.",
        .doc = "When max-resolutions-per-worker is reached, the oldest waiting question gives "
               "way to a new one only if it has waited at least this many milliseconds "
               "(Unbound's jostle-timeout, same default). A question still unanswered after "
               "that is almost always waiting on a slow or silent authority, the traffic a "
               "random-subdomain flood sends, while an honest cold walk takes tens of "
               "milliseconds: under such a flood new questions keep getting through. 0: the "
               "oldest always gives way.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::resolution_jostle_timeout_ms>,
        .dump = dump_integer<&Config::resolution_jostle_timeout_ms>},
    Setting{
        .name = "max-upstream-sockets-per-worker", .kind = ValueKind::integer, .default_text = "2048",
        .min = 1, .max = 1000000,
        .help = "UDP and TCP sockets to authoritative servers open at once, per worker thread.",
        .doc = "The largest number of sockets each worker thread holds open towards "
               "authoritative servers at once, UDP and TCP together (Unbound's outgoing-range "
               "and outgoing-num-tcp). It stops a flood of slow questions from taking every "
               "descriptor of the process (issue 16 measured 6,345, mostly TCP connections to "
               "authorities that answer TC=1), after which no client connection could be "
               "accepted. A query finding every socket taken waits for one, in order of "
               "arrival, for at most its own timeout; if none frees up it counts as a timeout "
               "of that query (upstream.socket-waits, upstream.socket-timeouts). The default "
               "allows two per waiting question at max-resolutions-per-worker (a walk's query "
               "plus its name-server lookups); threads times this plus tcp-max-connections "
               "and tls-max-connections must stay below the process's descriptor limit "
               "(LimitNOFILE=65536 in ternd.service).",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::max_upstream_sockets_per_worker>,
        .dump = dump_integer<&Config::max_upstream_sockets_per_worker>},
};

}  // namespace

std::span<const Setting> pressure_rows() { return rows; }

}  // namespace tern::daemon
