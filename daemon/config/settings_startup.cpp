// The settings fixed when the process starts: listen addresses, root hints, threads, the UDP
// listening sockets' batch size and buffers.
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/settings_parse.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace tern::daemon {
namespace {

void apply_threads(const Setting& self, const YAML::Node& value, const SettingSource& source,
                   Config& config) {
  const std::string& text = scalar_text(self, value, source);
  config.threads = text == "auto" ? 0u
                                  : static_cast<unsigned>(checked_number(
                                        self, value, source, text, parse_unsigned(text)));
}

std::string dump_threads(const Config& config) {
  return config.threads == 0 ? "auto" : std::to_string(config.threads);
}

void apply_root_hints(const Setting& self, const YAML::Node& value, const SettingSource& source,
                      Config& config) {
  const std::string& text = scalar_text(self, value, source);
  if (text.empty()) {
    config.root_hints.clear();
    return;
  }
  config.root_hints = readable_file(self, value, source, text).string();
}

std::string dump_root_hints(const Config& config) { return yaml_quote(config.root_hints); }

void apply_listen(const Setting& self, const YAML::Node& value, const SettingSource& source,
                  Config& config) {
  auto endpoints = endpoint_list(self, value, source, 53);
  if (endpoints.empty()) throw_setting_error(self, source, value, "at least one address is needed");
  config.listen = std::move(endpoints);
}

std::string dump_listen(const Config& config) { return dump_endpoints(config.listen); }

constexpr std::array rows{
    Setting{
        .name = "listen", .kind = ValueKind::endpoint_list,
        .default_text = R"(["127.0.0.1@53", "::1@53"])",
        .help = "Addresses to answer queries on, UDP and TCP, as ADDRESS[@PORT].",
        .doc = "The addresses ternd answers queries on, each written ADDRESS[@PORT], the port "
               "53 when none is given; UDP and TCP listen on the same address and port. An IPv6 "
               "address takes its port after @ (::1@5353) or in brackets ([::1]:5353), an IPv4 "
               "one also after a colon (127.0.0.1:5353). A single address may be given without a "
               "list. Listening on a public address does not open the resolver: "
               "access-control decides who gets answers.",
        .reload = Reload::restart,
        .apply = apply_listen, .dump = dump_listen},
    Setting{
        .name = "root-hints", .kind = ValueKind::path, .default_text = R"("")",
        .help = "Zone file with the root servers' names and addresses; empty = built-in hints.",
        .doc = "A zone file with the NS records of the root zone and the addresses of the root "
               "servers, from which ternd primes its view of the root. Empty means the IANA "
               "root hints built into ternd. A relative path is relative to the directory of "
               "the configuration file (to the working directory in --set). The file must be "
               "readable when the configuration is loaded.",
        .reload = Reload::restart,
        .apply = apply_root_hints, .dump = dump_root_hints},
    Setting{
        .name = "threads", .kind = ValueKind::integer, .default_text = "auto",
        .min = 0, .max = 256, .values = "auto",
        .help = "Worker threads; auto (or 0) = one per CPU core.",
        .doc = "The number of worker threads, each with its own event loop and sockets; the "
               "caches are shared by all. auto, the same as 0, starts one per CPU core "
               "available to the process.",
        .reload = Reload::restart,
        .apply = apply_threads, .dump = dump_threads},
    Setting{
        .name = "udp-batch-size", .kind = ValueKind::integer, .default_text = "32",
        .min = 1, .max = 256,
        .help = "Datagrams received (recvmmsg) and answered (sendmmsg) per system call.",
        .doc = "How many datagrams one system call reads from a UDP listening socket "
               "(recvmmsg) and how many cache-hit answers go back in one (sendmmsg), per "
               "worker and socket. Larger batches save system calls under load; 1 reads one "
               "datagram at a time. Each worker keeps 4 KiB of receive buffer per batch slot "
               "and socket.",
        .reload = Reload::restart,
        .apply = apply_integer<&Config::udp_batch_size>,
        .dump = dump_integer<&Config::udp_batch_size>},
    Setting{
        .name = "so-rcvbuf", .kind = ValueKind::size, .default_text = "0",
        .min = 0, .max = std::uint64_t{512} << 20,
        .help = "Receive buffer of each UDP listening socket (SO_RCVBUF); 0 = the kernel's default.",
        .doc = "The kernel receive buffer of every UDP listening socket, in bytes with an "
               "optional suffix k, m or g (Unbound's so-rcvbuf). A larger buffer absorbs bursts "
               "that arrive faster than a worker reads them; datagrams that do not fit are "
               "dropped by the kernel. ternd asks with SO_RCVBUFFORCE while it still runs as "
               "root, else with SO_RCVBUF, which the kernel caps at net.core.rmem_max: when the "
               "buffer obtained is smaller than asked, ternd logs a warning naming the sysctl "
               "and carries on. 0 leaves the kernel's default.",
        .reload = Reload::restart,
        .apply = apply_size<&Config::so_rcvbuf>, .dump = dump_size<&Config::so_rcvbuf>},
    Setting{
        .name = "so-sndbuf", .kind = ValueKind::size, .default_text = "0",
        .min = 0, .max = std::uint64_t{512} << 20,
        .help = "Send buffer of each UDP listening socket (SO_SNDBUF); 0 = the kernel's default.",
        .doc = "The kernel send buffer of every UDP listening socket (Unbound's so-sndbuf), as "
               "so-rcvbuf: SO_SNDBUFFORCE while root, else SO_SNDBUF capped at "
               "net.core.wmem_max, a warning when capped, 0 for the kernel's default.",
        .reload = Reload::restart,
        .apply = apply_size<&Config::so_sndbuf>, .dump = dump_size<&Config::so_sndbuf>},
};

}  // namespace

std::span<const Setting> startup_rows() { return rows; }

}  // namespace tern::daemon
