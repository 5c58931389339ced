// The validated configuration of ternd. Every field comes from one row of the settings table
// (settings_table.hpp; the rows in settings_*.cpp by topic), which also produces the parser, the defaults, `--dump-config` and the
// settings section of man/ternd.yaml.5, so that code and documentation cannot drift.
#pragma once

#include <asio/ip/address.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tern::daemon {

/// One address the daemon answers on; UDP and TCP listen on the same address and port.
struct ListenEndpoint {
  asio::ip::address address;  ///< a unicast address of this host
  std::uint16_t port = 53;    ///< 1..65535
  friend bool operator==(const ListenEndpoint&, const ListenEndpoint&) = default;
};

/// What access control does with a client: answer, answer REFUSED, or drop without a word.
enum class AclAction { allow, refuse, deny };

/// One access-control rule; the rule with the longest matching prefix wins.
struct AclRule {
  asio::ip::address network;  ///< host bits beyond prefix_length are zero
  unsigned prefix_length = 0; ///< <= 32 for IPv4, <= 128 for IPv6
  AclAction action = AclAction::refuse;
  friend bool operator==(const AclRule&, const AclRule&) = default;
};

/// RFC 9156 QNAME minimisation mode.
enum class QnameMinimisation { off, relaxed, strict };

/// Where log lines go: auto is stderr in the foreground (-d) and syslog once detached.
enum class LogDestination { automatic, stderr_stream, syslog };
/// What a local zone does with the names below it (Unbound's local-zone types).
enum class LocalZoneType { static_zone, deny, refuse, transparent, nodefault, always_nxdomain };

/// One `local-zone` rule: a name (presentation form, absolute, lower case) and its type.
struct LocalZoneRule {
  std::string name;
  LocalZoneType type = LocalZoneType::static_zone;
  friend bool operator==(const LocalZoneRule&, const LocalZoneRule&) = default;
};

/// One server of a forward or stub zone.
struct ZoneServer {
  asio::ip::address address;
  std::uint16_t port = 53;  ///< 853 by default when the zone uses TLS
  friend bool operator==(const ZoneServer&, const ZoneServer&) = default;
};

/// One `forward-zone` or `stub-zone` entry.
struct ZoneRouteConfig {
  std::string name;                ///< presentation form, absolute, lower case
  std::vector<ZoneServer> servers; ///< at least one
  bool first = false;              ///< forward-first: iterate when the forwarders fail
  bool tls = false;                ///< forward-tls: DNS over TLS (RFC 7858) to the forwarders
  std::string tls_name;            ///< forward-tls-name: SNI and the name the certificate must match
  friend bool operator==(const ZoneRouteConfig&, const ZoneRouteConfig&) = default;
};

/// A response policy zone's `ede`: the Extended DNS Error its rewritten answers carry.
enum class RpzEde { none, blocked, censored, filtered };
/// A response policy zone's `policy-override`: one action for all its triggers.
enum class RpzOverride { none, nxdomain, nodata, passthru, drop, tcp_only };

/// One `rpz` entry: a response policy zone read from a file or transferred from primaries.
struct RpzZoneConfig {
  std::string name;                   ///< the zone's origin, presentation form, absolute, lower case
  std::string file;                   ///< absolute path of the zone file; empty with primaries
  std::vector<ZoneServer> primaries;  ///< AXFR/IXFR sources, tried in order; empty with file
  RpzEde ede = RpzEde::blocked;
  RpzOverride policy_override = RpzOverride::none;
  bool log = false;                   ///< a log line per rewritten answer
  friend bool operator==(const RpzZoneConfig&, const RpzZoneConfig&) = default;
};

/// The whole configuration; a default-constructed Config is NOT valid: use default_config().
struct Config {
  std::vector<ListenEndpoint> listen;            ///< at least one endpoint
  std::string root_hints;                        ///< zone-file path; empty = built-in IANA hints
  unsigned threads = 0;                          ///< worker threads; 0 = one per core
  unsigned udp_batch_size = 32;                  ///< datagrams per recvmmsg/sendmmsg call
  std::uint64_t so_rcvbuf = 0;                   ///< UDP listening socket SO_RCVBUF; 0 = kernel default
  std::uint64_t so_sndbuf = 0;                   ///< UDP listening socket SO_SNDBUF; 0 = kernel default
  std::vector<asio::ip::address> outgoing_address; ///< source addresses upstream; empty = any
  bool query_loopback = false;                   ///< allow authorities on 127/8 and ::1
  bool do_ip4 = true;                            ///< at least one of do_ip4/do_ip6 is true
  bool do_ip6 = true;
  QnameMinimisation qname_minimisation = QnameMinimisation::relaxed;
  bool use_caps_for_id = false;                  ///< 0x20: random case upstream, checked echo
  bool cookies = true;                           ///< DNS cookies, client and server side
  std::uint32_t cookie_secret_rotation = 86400;  ///< seconds between server-secret rotations
  std::uint16_t edns_buffer_size = 1232;         ///< 512..4096, both directions
  unsigned max_resolutions_per_worker = 1024;    ///< client questions waiting on a walk, per worker
  unsigned resolution_jostle_timeout_ms = 200;   ///< the oldest may give way once it waited this long
  unsigned max_upstream_sockets_per_worker = 2048; ///< upstream UDP+TCP sockets open, per worker
  std::vector<AclRule> access_control;           ///< defaults first, then the operator's rules
  std::uint64_t cache_size = 64ull << 20;        ///< bytes for all caches together
  std::string cache_save_file;                   ///< answer cache saved at stop, loaded at start; empty = off
  std::uint32_t cache_min_ttl = 0;               ///< seconds; TTLs below are raised (<= max)
  std::uint32_t cache_max_ttl = 86400;           ///< seconds; TTLs above are lowered
  std::uint32_t cache_min_negative_ttl = 0;      ///< seconds, for NXDOMAIN/NODATA (<= max)
  std::uint32_t cache_max_negative_ttl = 3600;   ///< seconds, RFC 2308 §5 recommends <= 3 h
  std::uint32_t cache_min_failure_ttl = 1;       ///< RFC 9520: first time a failure is remembered
  std::uint32_t cache_max_failure_ttl = 60;      ///< backoff cap; 0 = no failure cache
  bool serve_stale = false;                      ///< RFC 8767: answer expired data when refresh fails
  std::uint32_t serve_stale_max = 86400;         ///< seconds past expiry stale data may be served
  unsigned serve_stale_client_timeout_ms = 1800; ///< RFC 8767 §5 client response timer
  bool prefetch = false;                         ///< refresh hits in the last 10% of their TTL
  std::string redis_server;                      ///< the fleet's L2 cache: ADDRESS@PORT or a socket path; "" = off
  unsigned redis_timeout_ms = 50;                ///< longest wait for one Redis lookup
  std::string redis_key_secret;                  ///< keys the L2 key hash; shared by the fleet
  unsigned redis_breaker_failures = 3;           ///< errors/timeouts in a row that open the breaker
  unsigned redis_breaker_backoff_ms = 1000;      ///< first open period; doubles per failed probe
  std::string control_socket = "/run/tern/ternd.ctl"; ///< ternctl's unix socket; empty = none
  unsigned tcp_idle_timeout_ms = 10000;          ///< RFC 7766 idle timeout for client TCP
  unsigned tcp_max_connections = 1024;           ///< open client TCP connections, all workers
  std::vector<LocalZoneRule> local_zone;         ///< operators' zones; the defaults are built in
  std::vector<std::string> local_data;           ///< RRs in presentation form, checked by the loader
  std::vector<ZoneRouteConfig> forward_zone;     ///< subtrees sent to recursive servers
  std::vector<ZoneRouteConfig> stub_zone;        ///< subtrees iterated from given authorities
  std::string tls_ca_file;                       ///< PEM CAs for forward-tls; empty = system store
  std::vector<RpzZoneConfig> rpz;                ///< response policy zones, in order of precedence
  // ---- DNSSEC validation (settings_dnssec.cpp); the daemon builds ValidationSettings from them ----
  bool dnssec = true;                            ///< validate; off: no AD, RRSIGs still pass through
  std::vector<std::string> trust_anchor_file;    ///< absolute paths of DS/DNSKEY zone files
  std::string trust_anchor_auto_file;            ///< RFC 5011 state file of the root; empty = none
  std::vector<std::string> domain_insecure;      ///< negative trust anchors, absolute lower-case names
  bool aggressive_nsec = true;                   ///< RFC 8198 answers from cached validated NSEC/NSEC3
  bool dnssec_log_bogus = false;                 ///< a log line per bogus answer
  unsigned tcp_max_connections_per_client = 64;  ///< open TCP connections from one client address
  unsigned ip_ratelimit = 0;                     ///< UDP queries per second per client address; 0 = off
  /// Balancers whose PROXY v2 headers name the client (actions unused); empty = off.
  std::vector<AclRule> proxy_protocol_from;
  unsigned ip_ratelimit_slip = 2;                ///< every Nth limited query gets TC=1; 0 = drop all
  std::vector<ListenEndpoint> tls_listen;        ///< DNS over TLS (RFC 7858) endpoints; empty = off
  std::string tls_certificate;                   ///< PEM chain, leaf first; set when tls_listen is
  std::string tls_private_key;                   ///< PEM key, not world-readable; set when tls_listen is
  unsigned tls_handshake_timeout_ms = 5000;      ///< a TLS handshake must finish within this
  unsigned tls_max_connections = 1024;           ///< open DoT connections, all workers
  unsigned tls_max_connections_per_client = 64;  ///< open DoT connections from one client address
  std::uint32_t tls_ticket_key_rotation = 3600;  ///< seconds a session-ticket key encrypts tickets
  bool tls_early_data = false;                   ///< accept TLS 1.3 0-RTT queries (replayable)
  std::vector<ListenEndpoint> https_listen;      ///< DNS over HTTPS (RFC 8484) endpoints; empty = off
  std::string https_endpoint = "/dns-query";     ///< the path DoH requests name
  unsigned https_max_streams = 100;              ///< SETTINGS_MAX_CONCURRENT_STREAMS per DoH connection
  int verbosity = 1;                             ///< 0 errors, 1 +warnings/ops, 2 info, 3+ debug
  // ---- operations: privileges, logging, metrics, query log ----
  std::string username = "tern";                 ///< user to run as after binding; empty = stay
  std::string chroot;                            ///< directory to chroot(2) into; empty = none
  std::string pidfile;                           ///< file the daemon's pid is written to; empty = none
  LogDestination log_destination = LogDestination::automatic;
  unsigned log_rate_limit = 20;                  ///< lines/s per message kind; 0 = unlimited
  std::vector<ListenEndpoint> metrics_listen;    ///< Prometheus HTTP endpoint; empty = off
  // ---- the live status page (settings_status_page.cpp) ----
  std::vector<ListenEndpoint> http_listen;       ///< status page and event stream; empty = off
  std::vector<AclRule> http_access_control;      ///< who may load it: loopback rules, then the operator's
  std::string query_log;                         ///< NDJSON query log: a path, "stderr", or "" (off)
  // ---- identity (settings_identity.cpp): CH TXT version.bind, id.server, NSID ----
  bool hide_identity = true;                     ///< id.server/hostname.bind answered REFUSED
  std::string identity;                          ///< their TXT; empty = the host name
  bool hide_version = true;                      ///< version.bind/version.server answered REFUSED
  std::string version;                           ///< their TXT; empty = "tern VERSION"
  std::string nsid;                              ///< RFC 5001 NSID octets; empty = none
  // ---- dnstap (settings_dnstap.cpp): Frame Streams to a collector ----
  std::string dnstap_socket;                     ///< unix socket of the collector; empty = not this way
  std::optional<ListenEndpoint> dnstap_address;  ///< TCP collector ADDRESS@PORT; unset = not this way
  bool dnstap_log_client_query = false;          ///< CLIENT_QUERY messages
  bool dnstap_log_client_response = false;       ///< CLIENT_RESPONSE messages
  bool dnstap_log_resolver_query = false;        ///< RESOLVER_QUERY messages
  bool dnstap_log_resolver_response = false;     ///< RESOLVER_RESPONSE messages
  bool dnstap_send_identity = false;             ///< put dnstap_identity in every payload
  std::string dnstap_identity;                   ///< empty = the host name
  bool dnstap_send_version = false;              ///< put dnstap_version in every payload
  std::string dnstap_version;                    ///< empty = "tern VERSION"
};

/// A configuration error, located: file and line where known ("--set" for overrides).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, const std::string& message);
  const std::string& file() const noexcept { return file_; }
  int line() const noexcept { return line_; }  ///< 1-based; 0 when no line applies
  const std::string& message() const noexcept { return message_; }

 private:
  std::string file_;
  int line_;
  std::string message_;
};

}  // namespace tern::daemon
