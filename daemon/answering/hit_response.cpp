#include "daemon/answering/hit_response.hpp"

#include <algorithm>
#include <cstring>

namespace tern::daemon {

namespace {

void put16(std::uint8_t* at, std::uint16_t v) {
  at[0] = static_cast<std::uint8_t>(v >> 8);
  at[1] = static_cast<std::uint8_t>(v);
}

void put32(std::uint8_t* at, std::uint32_t v) {
  at[0] = static_cast<std::uint8_t>(v >> 24);
  at[1] = static_cast<std::uint8_t>(v >> 16);
  at[2] = static_cast<std::uint8_t>(v >> 8);
  at[3] = static_cast<std::uint8_t>(v);
}

std::uint32_t get32(const std::uint8_t* at) {
  return (std::uint32_t{at[0]} << 24) | (std::uint32_t{at[1]} << 16) | (std::uint32_t{at[2]} << 8) | at[3];
}

/// The EDE a hit carries: the serving's (stale) first, else the entry's own (an insecure
/// answer's reason). Most entries have none: then this is one test and nothing more.
struct HitEde {
  std::optional<std::uint16_t> code;
  std::string_view text;
  std::size_t option_size() const noexcept { return code ? 6 + text.size() : 0; }
};

HitEde hit_ede(const cache::CachedAnswer& entry, const HitServing& serving) noexcept {
  if (serving.ede) return {serving.ede, {}};
  if (entry.ede) return {entry.ede, entry.ede_text};
  return {};
}

/// The OPT record (RFC 6891 §6.1.2), with an EDE option (RFC 8914) and the COOKIE option
/// (RFC 7873) when asked for.
void append_opt(std::vector<std::uint8_t>& out, const HitRequest& request, const HitServing& serving,
                const HitEde& ede) {
  const std::size_t rdlength = ede.option_size() + serving.cookie.size();
  const std::size_t at = out.size();
  out.resize(at + 11 + rdlength);
  std::uint8_t* p = out.data() + at;
  p[0] = 0;  // root owner
  put16(p + 1, 41);
  put16(p + 3, serving.our_edns_size);
  put32(p + 5, request.dnssec_ok ? 0x8000u : 0u);  // ext-rcode 0, version 0, DO echoed
  put16(p + 9, static_cast<std::uint16_t>(rdlength));
  if (ede.code) {
    put16(p + 11, 15);
    put16(p + 13, static_cast<std::uint16_t>(2 + ede.text.size()));
    put16(p + 15, *ede.code);
    if (!ede.text.empty()) std::memcpy(p + 17, ede.text.data(), ede.text.size());
  }
  if (!serving.cookie.empty())
    std::memcpy(out.data() + out.size() - serving.cookie.size(), serving.cookie.data(), serving.cookie.size());
  put16(out.data() + 10, static_cast<std::uint16_t>((out[10] << 8 | out[11]) + 1));  // ARCOUNT
}

}  // namespace

void make_hit_response(const cache::CachedAnswer& entry, const HitRequest& request,
                       const HitServing& serving, std::vector<std::uint8_t>& out) {
  // RFC 4035 §3.2.1: RRSIGs and NSEC/NSEC3 proofs only for a client that set DO.
  const std::vector<std::uint8_t>& wire = entry.wire_for(request.dnssec_ok);
  const HitEde ede = hit_ede(entry, serving);
  const std::size_t opt_size = request.edns ? 11 + ede.option_size() + serving.cookie.size() : 0;
  const bool fits = wire.size() + opt_size <= request.max_size;
  const std::size_t copied = fits ? wire.size() : entry.question_end;
  out.assign(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(copied));
  std::uint8_t* h = out.data();
  put16(h, request.id);
  h[2] = static_cast<std::uint8_t>((h[2] & ~0x01) | (request.rd ? 0x01 : 0x00));
  // RFC 4035 §3.2.3 and RFC 6840 §5.7: AD for a secure answer, to a client that set DO or AD.
  const bool ad = entry.security == resolver::dnssec::Security::secure && (request.dnssec_ok || request.ad);
  h[3] = static_cast<std::uint8_t>((h[3] & ~0x30) | (request.cd ? 0x10 : 0x00) | (ad ? 0x20 : 0x00));
  // The client's own spelling of the name (same length: it is the same name), and its type
  // (a per-name NXDOMAIN entry was stored for whichever type was asked first).
  if (request.qname_wire.size() == entry.question_end - dns::header_size - 4)
    std::memcpy(h + dns::header_size, request.qname_wire.data(), request.qname_wire.size());
  put16(h + entry.question_end - 4, request.qtype);
  if (!fits) {
    h[2] |= 0x02;                       // TC: RFC 2181 §9, the client retries over TCP
    std::memset(h + 6, 0, 6);           // AN, NS, AR counts
  } else {
    for (std::uint16_t off : entry.ttl_offsets_for(request.dnssec_ok)) {
      std::uint32_t ttl = get32(h + off);
      put32(h + off, serving.fixed_ttl ? *serving.fixed_ttl : ttl > serving.age ? ttl - serving.age : 0);
    }
  }
  if (request.edns) append_opt(out, request, serving, ede);
}

}  // namespace tern::daemon
