// The rows of the settings table, grouped by topic, one file each; settings_table() joins the
// groups in this order, which is the order of --dump-config and of ternd.yaml(5).
#pragma once

#include "daemon/config/settings_table.hpp"

#include <span>

namespace tern::daemon {

std::span<const Setting> include_rows();      ///< settings_include.cpp: include
std::span<const Setting> startup_rows();      ///< settings_startup.cpp: listen ... so-sndbuf
std::span<const Setting> resolution_rows();   ///< settings_resolution.cpp: outgoing-address ... edns-buffer-size
std::span<const Setting> pressure_rows();     ///< settings_pressure.cpp: max-resolutions-per-worker ... max-upstream-sockets-per-worker
std::span<const Setting> client_rows();       ///< settings_clients.cpp: ip-ratelimit ... access-control
std::span<const Setting> cache_rows();        ///< settings_cache.cpp: cache-size ... prefetch
std::span<const Setting> redis_rows();        ///< settings_redis.cpp: redis-server ... redis-breaker-backoff
std::span<const Setting> zone_rows();         ///< settings_zones.cpp: local-zone ... tls-ca-file
std::span<const Setting> rpz_rows();         ///< settings_rpz.cpp: rpz
std::span<const Setting> dnssec_rows();       ///< settings_dnssec.cpp: dnssec ... dnssec-log-bogus
std::span<const Setting> connection_rows();   ///< settings_connections.cpp: control-socket ... tls-early-data
std::span<const Setting> https_rows();        ///< settings_https.cpp: https-listen ... https-max-streams
std::span<const Setting> operations_rows();   ///< settings_operations.cpp: verbosity ... query-log
std::span<const Setting> status_page_rows();  ///< settings_status_page.cpp: http-listen, http-access-control
std::span<const Setting> identity_rows();     ///< settings_identity.cpp: hide-identity ... nsid
std::span<const Setting> dnstap_rows();       ///< settings_dnstap.cpp: dnstap-socket ... dnstap-version

}  // namespace tern::daemon
