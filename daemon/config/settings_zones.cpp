// The rows of the settings that route names (local zones and data, forward and stub zones,
// tls-ca-file); their parsers are in zone_settings.cpp.
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/zone_settings.hpp"

#include <array>

namespace tern::daemon {
namespace {

constexpr std::array rows{
    Setting{
        .name = "local-zone", .kind = ValueKind::local_zone_list, .default_text = "[]",
        .help = "Zones ternd answers itself: \"NAME TYPE\" (static, deny, refuse, transparent ...).",
        .doc = "Names that ternd answers itself, never asking an authority (Unbound's "
               "local-zone). Each entry is \"NAME TYPE\"; a query falls in the local zone "
               "that most closely encloses its name. TYPE says what happens to a name for "
               "which local-data has nothing: static answers NXDOMAIN (NODATA when the name "
               "owns other data) with the zone's SOA, from local-data or else a locally made "
               "one; deny drops the query without an answer; refuse answers REFUSED; "
               "transparent resolves it as usual; always_nxdomain answers NXDOMAIN even when "
               "local-data has the name; nodefault switches off the built-in zone of that "
               "name and otherwise acts like transparent.\n"
               "Built in, as static zones, are localhost. (the loopback addresses for "
               "localhost. and every name below it, RFC 6761 section 6.3), 127.in-addr.arpa. "
               "and the ip6.arpa name of ::1 (PTR localhost. for 127.0.0.1 and ::1), test., "
               "invalid. (RFC 6761), onion. (RFC 7686), home.arpa. (RFC 8375), and the "
               "reverse zones of RFC 6303, section 4 and of 100.64.0.0/10: 0, 10, 16 to "
               "31.172, 168.192, 254.169, 2.0.192, 100.51.198, 113.0.203, "
               "255.255.255.255 and 64 to 127.100 .in-addr.arpa., the ip6.arpa names of "
               "::/128, fd00::/8 (d.f), fe80::/10 (8 to b.e.f) and 2001:db8::/32. Their "
               "queries would only load the root and the AS112 servers and leak private "
               "names. A rule with the same name as a built-in zone replaces it: "
               "\"10.in-addr.arpa. nodefault\" or \"... transparent\" lets a network with its "
               "own reverse zone for 10.0.0.0/8 resolve it (with a stub-zone or "
               "forward-zone pointing at its servers).",
        .reload = Reload::applies,
        .apply = apply_local_zone, .dump = dump_local_zone},
    Setting{
        .name = "local-data", .kind = ValueKind::record_list, .default_text = "[]",
        .help = "Records served locally, in zone-file syntax (\"NAME [TTL] [IN] TYPE DATA\").",
        .doc = "Resource records that ternd serves itself (Unbound's local-data), one per "
               "entry in zone-file syntax with absolute names: \"printer.home.arpa. 300 IN A "
               "192.168.1.20\"; the TTL defaults to 3600. A query for a name and type with "
               "data here is answered with it (a CNAME here answers queries of every other "
               "type); a name with data of other types answers NODATA. An owner \"*.NAME\" is "
               "a wildcard for the names below NAME that have no data of their own (RFC "
               "4592). Data outside every local zone makes a transparent zone at its owner "
               "name, so the names around it still resolve; data inside a static, deny or "
               "refuse zone is answered before the zone's type applies. An SOA at a zone's "
               "apex is the one that zone's negative answers carry. A record that does not "
               "parse is an error at its line.",
        .reload = Reload::applies,
        .apply = apply_local_data, .dump = dump_local_data},
    Setting{
        .name = "forward-zone", .kind = ValueKind::zone_list, .default_text = "[]",
        .help = "Subtrees sent to recursive servers: - {name, servers, forward-first, forward-tls ...}.",
        .doc = "Subtrees whose names ternd sends to other recursive resolvers instead of "
               "walking from the root (Unbound's forward-zone). Each entry is a mapping: name "
               "(the zone, \".\" for everything), servers (a list of ADDRESS[@PORT], each "
               "address once, port 53, "
               "or 853 with forward-tls), and optionally forward-first, forward-tls and "
               "forward-tls-name. ternd asks the servers with recursion desired (RD=1) and "
               "takes their answers as they are, after dropping records outside the zone; a "
               "CNAME that leads out of the zone is followed like any other. Each forwarder "
               "gets at least 2.5 seconds to answer (it may have to resolve the name first) "
               "before the next one is tried.\n"
               "forward-first (default no): when no forwarder gives a usable answer (all "
               "time out, refuse, fail or are unreachable), ternd resolves the name itself by "
               "iteration from the root as if the zone were not forwarded; without it, the "
               "client gets SERVFAIL. Exactly Unbound's forward-first.\n"
               "forward-tls (default no): talk to the servers over DNS over TLS (RFC 7858) "
               "instead of UDP and TCP. The servers' certificate must be valid for "
               "forward-tls-name (required with forward-tls), which is also sent as the TLS "
               "server name (SNI), and be signed by a CA in tls-ca-file (by default the "
               "system's store); when it is not, the forwarder is not used. A connection is "
               "kept open for the next query to the same server (RFC 7858, section 3.4).\n"
               "The zone that most closely encloses a name wins, whether forward or stub; "
               "a forward zone and a stub zone may not have the same name. Forwarders may be "
               "on loopback whatever query-loopback says: they are named on purpose.",
        .reload = Reload::applies,
        .apply = apply_forward_zone, .dump = dump_forward_zone},
    Setting{
        .name = "stub-zone", .kind = ValueKind::zone_list, .default_text = "[]",
        .help = "Subtrees iterated from given authorities: - {name, servers}.",
        .doc = "Subtrees that ternd resolves by iteration starting at the given "
               "authoritative servers instead of at the delegation found from the root "
               "(Unbound's stub-zone with stub-addr), for zones that are not delegated from "
               "the public tree: a company's internal zone, a private reverse zone. Each entry "
               "is a mapping: name and servers (a list of ADDRESS[@PORT], each address once). "
               "ternd asks them "
               "without recursion desired, as any authority, and follows their referrals "
               "below the zone. Servers may be on loopback whatever query-loopback says.",
        .reload = Reload::applies,
        .apply = apply_stub_zone, .dump = dump_stub_zone},
    Setting{
        .name = "tls-ca-file", .kind = ValueKind::path, .default_text = R"("")",
        .help = "PEM file of the CAs that sign forward-tls servers' certificates; empty = the system's.",
        .doc = "A PEM file of CA certificates against which ternd checks the certificates of "
               "the servers of forward zones with forward-tls (Unbound's "
               "tls-cert-bundle). Empty uses the system's default store "
               "(/etc/ssl/certs). A relative path is relative to the directory of the "
               "configuration file.",
        .reload = Reload::applies,
        .apply = apply_tls_ca_file, .dump = dump_tls_ca_file},
};

}  // namespace

std::span<const Setting> zone_rows() { return rows; }

}  // namespace tern::daemon
