#include "resolver/dnssec/trust_anchors.hpp"

#include "resolver/dns/ldns_handles.hpp"
#include "resolver/dns/types.hpp"
#include "resolver/dnssec/records.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace tern::resolver::dnssec {
namespace {

// The root KSK DS records as IANA publishes them in https://data.iana.org/root-anchors/
// root-anchors.xml (KSK-2017, tag 20326; KSK-2024, tag 38696). Checked against Debian's
// dns-root-data (/usr/share/dns/root.ds) and the same records vendored by Unbound, CoreDNS
// and knot-resolver.
constexpr const char* root_ds_text[] = {
    ". 172800 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
    ". 172800 IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
};

struct FileClose {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileClose>;

/// ldns hands the current $ORIGIN and previous owner back through raw pointers it replaces
/// (freeing the old ones itself); this owns whatever they hold when reading stops.
struct ZoneReadState {
  std::uint32_t default_ttl = 3600;
  ldns_rdf* origin = ldns_dname_new_frm_str(".");
  ldns_rdf* previous_owner = nullptr;
  int line = 0;
  ZoneReadState() = default;
  ZoneReadState(const ZoneReadState&) = delete;
  ZoneReadState& operator=(const ZoneReadState&) = delete;
  ~ZoneReadState() {
    if (origin) ldns_rdf_deep_free(origin);
    if (previous_owner) ldns_rdf_deep_free(previous_owner);
  }
};

/// The tern Record of an ldns RR, through presentation text (message.hpp's one way in).
std::optional<dns::Record> to_record(const ldns_rr* rr) {
  dns::LdnsString text(ldns_rr2str(rr));
  if (!text) return std::nullopt;
  return dns::record_from_text(text.get());
}

/// Checks that an anchor record is a DS or DNSKEY whose RDATA parses; the reason otherwise.
std::optional<std::string> anchor_record_problem(const dns::Record& rr) {
  if (rr.klass != dns::class_in) return "anchors must be of class IN";
  if (rr.type == dns::rrtype::DS) {
    if (!parse_ds(rr.rdata)) return "malformed DS record";
  } else if (rr.type == dns::rrtype::DNSKEY) {
    if (!parse_dnskey(rr.rdata)) return "malformed DNSKEY record";
  } else {
    return fmt::format("{} record: only DS and DNSKEY records are trust anchors",
                       dns::type_to_text(rr.type));
  }
  return std::nullopt;
}

}  // namespace

std::vector<dns::Record> builtin_root_anchors() {
  std::vector<dns::Record> out;
  for (const char* text : root_ds_text) out.push_back(*dns::record_from_text(text));
  return out;
}

TrustAnchorStore TrustAnchorStore::with_builtin_root() {
  TrustAnchorStore store;
  store.replace(TrustAnchor{dns::Name{}, builtin_root_anchors(), {}});
  return store;
}

void TrustAnchorStore::replace(TrustAnchor anchor) {
  dns::Name zone = anchor.zone;
  anchors_.insert_or_assign(std::move(zone), std::move(anchor));
}

const TrustAnchor* TrustAnchorStore::find(const dns::Name& zone) const {
  auto it = anchors_.find(zone);
  return it == anchors_.end() ? nullptr : &it->second;
}

const TrustAnchor* TrustAnchorStore::closest_enclosing(const dns::Name& name) const {
  dns::Name candidate = name;
  for (;;) {
    if (const TrustAnchor* found = find(candidate)) return found;
    if (candidate.is_root()) return nullptr;
    candidate = candidate.parent();
  }
}

std::optional<std::string> read_anchor_file(const std::string& path, std::vector<dns::Record>& out) {
  File file(std::fopen(path.c_str(), "r"));
  if (!file) return fmt::format("{}: cannot open: {}", path, std::strerror(errno));
  ZoneReadState state;
  std::vector<dns::Record> read;
  while (!std::feof(file.get())) {
    ldns_rr* raw = nullptr;
    ldns_status status = ldns_rr_new_frm_fp_l(&raw, file.get(), &state.default_ttl, &state.origin,
                                              &state.previous_owner, &state.line);
    dns::LdnsRr rr(raw);
    if (status == LDNS_STATUS_SYNTAX_EMPTY || status == LDNS_STATUS_SYNTAX_TTL ||
        status == LDNS_STATUS_SYNTAX_ORIGIN)
      continue;
    if (status != LDNS_STATUS_OK)
      return fmt::format("{}:{}: {}", path, state.line, ldns_get_errorstr_by_id(status));
    std::optional<dns::Record> record = to_record(rr.get());
    if (!record) return fmt::format("{}:{}: unreadable record", path, state.line);
    if (auto problem = anchor_record_problem(*record))
      return fmt::format("{}:{}: {}", path, state.line, *problem);
    read.push_back(std::move(*record));
  }
  out.insert(out.end(), read.begin(), read.end());
  return std::nullopt;
}

AnchorLoad build_trust_anchors(std::span<const std::string> files) {
  AnchorLoad load{TrustAnchorStore::with_builtin_root(), std::nullopt};
  std::vector<dns::Record> records;
  for (const std::string& path : files) {
    if ((load.error = read_anchor_file(path, records))) return load;
  }
  std::map<dns::Name, TrustAnchor> from_files;
  for (dns::Record& rr : records) {
    TrustAnchor& anchor = from_files.try_emplace(rr.owner, TrustAnchor{rr.owner, {}, {}}).first->second;
    (rr.type == dns::rrtype::DS ? anchor.ds : anchor.dnskeys).push_back(std::move(rr));
  }
  for (auto& [zone, anchor] : from_files) load.store.replace(std::move(anchor));
  return load;
}

NegativeTrustAnchors::NegativeTrustAnchors(std::vector<dns::Name> names) : names_(std::move(names)) {
  std::sort(names_.begin(), names_.end());
  names_.erase(std::unique(names_.begin(), names_.end()), names_.end());
}

std::optional<NegativeTrustAnchors> NegativeTrustAnchors::from_text(std::span<const std::string> names,
                                                                     std::string& error) {
  std::vector<dns::Name> parsed;
  for (const std::string& text : names) {
    std::optional<dns::Name> name = dns::Name::from_text(text);
    if (!name || text.empty()) {
      error = fmt::format("domain-insecure: '{}' is not a domain name", text);
      return std::nullopt;
    }
    parsed.push_back(std::move(*name));
  }
  return NegativeTrustAnchors(std::move(parsed));
}

const dns::Name* NegativeTrustAnchors::closest_enclosing(const dns::Name& name) const {
  dns::Name candidate = name;
  for (;;) {
    auto it = std::lower_bound(names_.begin(), names_.end(), candidate);
    if (it != names_.end() && *it == candidate) return &*it;
    if (candidate.is_root()) return nullptr;
    candidate = candidate.parent();
  }
}

}  // namespace tern::resolver::dnssec
