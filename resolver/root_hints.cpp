#include "resolver/root_hints.hpp"

#include "resolver/dns/ldns_handles.hpp"

#include <ldns/ldns.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace tern::resolver {

extern const char builtin_root_hints_text[];  // generated from zones/named.root

namespace {

struct FileClose { void operator()(FILE* f) const noexcept { std::fclose(f); } };

}  // namespace

RootHints parse_root_hints(std::string_view text, const std::string& origin) {
  std::string owned(text);
  std::unique_ptr<FILE, FileClose> file(fmemopen(owned.data(), owned.size(), "r"));
  if (!file) throw std::runtime_error(origin + ": cannot read root hints");
  ldns_zone* zone = nullptr;
  int line = 0;
  ldns_status status = ldns_zone_new_frm_fp_l(&zone, file.get(), nullptr, 3600, LDNS_RR_CLASS_IN, &line);
  dns::LdnsZone holder(zone);
  if (status != LDNS_STATUS_OK)
    throw std::runtime_error(origin + ":" + std::to_string(line) + ": " +
                             ldns_get_errorstr_by_id(status));
  RootHints hints;
  const ldns_rr_list* rrs = ldns_zone_rrs(zone);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(rrs); ++i) {
    dns::LdnsString text_rr(ldns_rr2str(ldns_rr_list_rr(rrs, i)));
    auto rr = dns::record_from_text(text_rr.get());
    if (!rr) continue;
    if (rr->type == dns::rrtype::NS && rr->owner.is_root()) hints.ns.push_back(*rr);
    else if (rr->type == dns::rrtype::A || rr->type == dns::rrtype::AAAA) hints.addresses.push_back(*rr);
  }
  if (hints.ns.empty() || hints.addresses.empty())
    throw std::runtime_error(origin + ": no root NS records with addresses in the hints");
  return hints;
}

RootHints load_root_hints(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open root hints file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_root_hints(text.str(), path);
}

RootHints builtin_root_hints() { return parse_root_hints(builtin_root_hints_text, "built-in root hints"); }

}  // namespace tern::resolver
