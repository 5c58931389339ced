#include "resolver/dname.hpp"

namespace tern::resolver {

std::optional<dns::Name> dname_substitute(const dns::Name& name, const dns::Record& dname) {
  if (dname.type != dns::rrtype::DNAME || name == dname.owner || !name.is_subdomain_of(dname.owner))
    return std::nullopt;
  auto target = dns::rdata_target(dname);
  if (!target) return std::nullopt;
  const std::string& wire = name.wire();
  std::string out = wire.substr(0, wire.size() - dname.owner.wire().size()) + target->wire();
  return dns::Name::from_wire(out);
}

dns::Record synthesised_cname(const dns::Name& name, const dns::Name& target, const dns::Record& dname) {
  return dns::Record{name, dns::rrtype::CNAME, dname.klass, dname.ttl, target.wire()};
}

}  // namespace tern::resolver
