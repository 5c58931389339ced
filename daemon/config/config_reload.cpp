#include "daemon/config/config_reload.hpp"

#include "daemon/config/settings_table.hpp"

namespace tern::daemon {

std::vector<std::string_view> restart_settings_changed(const Config& running, const Config& fresh) {
  std::vector<std::string_view> changed;
  for (const Setting& setting : settings_table()) {
    // dump() prints a value so that apply() reads it back to an equal one: equal text, equal value.
    if (setting.reload == Reload::restart && setting.dump(running) != setting.dump(fresh)) {
      changed.push_back(setting.name);
    }
  }
  return changed;
}

std::vector<std::string_view> settings_changed(const Config& running, const Config& fresh) {
  std::vector<std::string_view> changed;
  for (const Setting& setting : settings_table())
    if (setting.dump(running) != setting.dump(fresh)) changed.push_back(setting.name);
  return changed;
}

Config resolve_automatic(Config config, unsigned cores) {
  if (config.threads == 0) config.threads = cores == 0 ? 1 : cores;
  return config;
}

Config keep_restart_settings(const Config& running, Config fresh) {
  // One line per Reload::restart row; the unit test changes every such row and checks that
  // nothing is left changed, so a row added without its line here fails it.
  fresh.listen = running.listen;                      // sockets bound by each worker at start
  fresh.root_hints = running.root_hints;              // hints loaded once into SharedState
  fresh.threads = running.threads;                    // workers made at start
  fresh.udp_batch_size = running.udp_batch_size;      // buffers sized in each worker at start
  fresh.so_rcvbuf = running.so_rcvbuf;                // socket options set at bind
  fresh.so_sndbuf = running.so_sndbuf;
  fresh.outgoing_address = running.outgoing_address;  // the transport's sources, fixed at start
  fresh.cache_size = running.cache_size;              // cache budgets fixed at construction
  fresh.trust_anchor_auto_file = running.trust_anchor_auto_file;  // its RFC 5011 state is read once
  fresh.control_socket = running.control_socket;      // bound before leaving root
  fresh.tls_listen = running.tls_listen;              // acceptors bound at start
  fresh.username = running.username;                  // privileges are dropped once
  fresh.chroot = running.chroot;                      // paths are mapped into the chroot entered at start
  fresh.pidfile = running.pidfile;                    // the exit removes the file written at start
  fresh.metrics_listen = running.metrics_listen;      // bound before leaving root
  fresh.http_listen = running.http_listen;            // bound before leaving root
  fresh.http_access_control = running.http_access_control;  // the status server's copy, fixed at start
  return fresh;
}

}  // namespace tern::daemon
