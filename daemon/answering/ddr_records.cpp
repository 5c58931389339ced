#include "daemon/answering/ddr_records.hpp"

namespace tern::daemon {

namespace {

/// RFC 9462 §4: the name clients ask SVCB of.
constexpr const char* ddr_owner = "_dns.resolver.arpa.";
/// Short: a client re-asks soon after a reload changed the listeners.
constexpr const char* ddr_ttl = "300";

std::string address_hint(const ListenEndpoint& endpoint) {
  if (endpoint.address.is_unspecified()) return "";
  return (endpoint.address.is_v4() ? " ipv4hint=" : " ipv6hint=") + endpoint.address.to_string();
}

}  // namespace

std::vector<std::string> ddr_records(const Config& config) {
  std::vector<std::string> records;
  const std::string head = std::string(ddr_owner) + " " + ddr_ttl + " IN SVCB ";
  if (!config.tls_listen.empty()) {
    const ListenEndpoint& dot = config.tls_listen.front();
    records.push_back(head + "1 . alpn=dot port=" + std::to_string(dot.port) + address_hint(dot));
  }
  if (!config.https_listen.empty()) {
    const ListenEndpoint& doh = config.https_listen.front();
    records.push_back(head + "2 . alpn=h2 port=" + std::to_string(doh.port) + address_hint(doh) + " key7=\"" +
                      config.https_endpoint + "{?dns}\"");
  }
  return records;
}

}  // namespace tern::daemon
