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
  fresh.proxy_protocol_from = running.proxy_protocol_from;  // the listeners' ProxySources, made at start
  fresh.cache_size = running.cache_size;              // cache budgets fixed at construction
  fresh.cache_save_file = running.cache_save_file;    // read at start; the stop writes where that came from
  fresh.redis_server = running.redis_server;          // each worker's Redis client made at start
  fresh.redis_timeout_ms = running.redis_timeout_ms;
  fresh.redis_key_secret = running.redis_key_secret;
  fresh.redis_breaker_failures = running.redis_breaker_failures;
  fresh.redis_breaker_backoff_ms = running.redis_breaker_backoff_ms;
  fresh.trust_anchor_auto_file = running.trust_anchor_auto_file;  // its RFC 5011 state is read once
  fresh.control_socket = running.control_socket;      // bound before leaving root
  fresh.tls_listen = running.tls_listen;              // acceptors bound at start
  fresh.https_listen = running.https_listen;          // acceptors bound at start
  fresh.username = running.username;                  // privileges are dropped once
  fresh.chroot = running.chroot;                      // paths are mapped into the chroot entered at start
  fresh.pidfile = running.pidfile;                    // the exit removes the file written at start
  fresh.metrics_listen = running.metrics_listen;      // bound before leaving root
  // dnstap: fstrm's I/O thread and each worker's queue and tap are made once, at start.
  fresh.dnstap_socket = running.dnstap_socket;
  fresh.dnstap_address = running.dnstap_address;
  fresh.dnstap_log_client_query = running.dnstap_log_client_query;
  fresh.dnstap_log_client_response = running.dnstap_log_client_response;
  fresh.dnstap_log_resolver_query = running.dnstap_log_resolver_query;
  fresh.dnstap_log_resolver_response = running.dnstap_log_resolver_response;
  fresh.dnstap_send_identity = running.dnstap_send_identity;
  fresh.dnstap_identity = running.dnstap_identity;
  fresh.dnstap_send_version = running.dnstap_send_version;
  fresh.dnstap_version = running.dnstap_version;
  fresh.http_listen = running.http_listen;            // bound before leaving root
  fresh.http_access_control = running.http_access_control;  // the status server's copy, fixed at start
  return fresh;
}

}  // namespace tern::daemon
