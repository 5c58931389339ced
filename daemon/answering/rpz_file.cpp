// Policy zone files read with ldns, one record at a time: $ORIGIN defaults to the zone's name,
// $TTL to 3600, and every error names the file and line.
#include "daemon/answering/rpz_zone.hpp"

#include "resolver/dns/ldns_handles.hpp"

#include <ldns/ldns.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace tern::daemon::rpz {

namespace {

struct FileClose {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileClose>;

/// ldns hands the current $ORIGIN and previous owner back through raw pointers it replaces
/// (freeing the old ones itself); this owns whatever they hold when reading stops.
struct ReadState {
  std::uint32_t default_ttl = 3600;
  ldns_rdf* origin = nullptr;
  ldns_rdf* previous_owner = nullptr;
  int line = 0;  ///< lines read so far: ldns counts each one
  ReadState() = default;
  ReadState(const ReadState&) = delete;
  ReadState& operator=(const ReadState&) = delete;
  ~ReadState() {
    if (origin) ldns_rdf_deep_free(origin);
    if (previous_owner) ldns_rdf_deep_free(previous_owner);
  }
};

/// The record of an ldns RR without going through text (a million of them at load).
bool to_record(const ldns_rr* rr, ldns_buffer* scratch, dns::Record& out) {
  const ldns_rdf* owner = ldns_rr_owner(rr);
  std::string wire(reinterpret_cast<const char*>(ldns_rdf_data(owner)), ldns_rdf_size(owner));
  dns::ascii_lowercase(wire);
  auto name = dns::Name::from_wire(wire);
  if (!name) return false;
  out.owner = std::move(*name);
  out.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
  out.klass = static_cast<std::uint16_t>(ldns_rr_get_class(rr));
  out.ttl = ldns_rr_ttl(rr);
  ldns_buffer_clear(scratch);
  if (ldns_rr_rdata2buffer_wire(scratch, rr) != LDNS_STATUS_OK) return false;
  out.rdata.assign(reinterpret_cast<const char*>(ldns_buffer_begin(scratch)), ldns_buffer_position(scratch));
  return true;
}

std::optional<PolicyZone> read_zone(std::FILE* file, const std::string& origin, const std::string& label,
                                    std::string& error) {
  ReadState state;
  const auto origin_name = dns::Name::from_wire(origin);
  if (!origin_name) {
    error = label + ": bad zone name";
    return std::nullopt;
  }
  state.origin = ldns_dname_new_frm_str(origin_name->to_text().c_str());
  dns::LdnsBuffer scratch(ldns_buffer_new(512));
  PolicyZone zone(origin);
  dns::Record record;
  while (!std::feof(file)) {
    ldns_rr* raw = nullptr;
    ldns_status status = ldns_rr_new_frm_fp_l(&raw, file, &state.default_ttl, &state.origin,
                                              &state.previous_owner, &state.line);
    dns::LdnsRr rr(raw);
    if (status == LDNS_STATUS_SYNTAX_EMPTY || status == LDNS_STATUS_SYNTAX_TTL ||
        status == LDNS_STATUS_SYNTAX_ORIGIN)
      continue;
    const int at = state.line;  // the last line read: the record's (or its closing one)
    if (status != LDNS_STATUS_OK) {
      error = label + ":" + std::to_string(at) + ": " + ldns_get_errorstr_by_id(status);
      return std::nullopt;
    }
    std::string why;
    if (!to_record(rr.get(), scratch.get(), record)) {
      error = label + ":" + std::to_string(at) + ": unreadable record";
      return std::nullopt;
    }
    if (!zone.add(record, why)) {
      error = label + ":" + std::to_string(at) + ": " + why;
      return std::nullopt;
    }
  }
  if (std::ferror(file)) {
    error = label + ": read error";
    return std::nullopt;
  }
  std::string why;
  if (!zone.seal(why)) {
    error = label + ": " + why;
    return std::nullopt;
  }
  return zone;
}

}  // namespace

std::optional<PolicyZone> load_policy_file(const std::string& path, const std::string& origin, std::string& error) {
  File file(std::fopen(path.c_str(), "r"));
  if (!file) {
    error = path + ": cannot open: " + std::strerror(errno);
    return std::nullopt;
  }
  return read_zone(file.get(), origin, path, error);
}

std::optional<PolicyZone> load_policy_text(std::string_view text, const std::string& origin, const std::string& label,
                                           std::string& error) {
  std::string copy(text);
  File file(fmemopen(copy.data(), copy.size(), "r"));
  if (!file) {
    error = label + ": cannot read";
    return std::nullopt;
  }
  return read_zone(file.get(), origin, label, error);
}

}  // namespace tern::daemon::rpz
