#include "daemon/answering/responder.hpp"

#include <algorithm>

namespace tern::daemon {

namespace {

dns::Message response_skeleton(const dns::Message& query, std::uint16_t rcode,
                               std::uint16_t our_edns_size) {
  dns::Message r;
  r.id = query.id;
  r.qr = true;
  r.opcode = query.opcode;
  r.rd = query.rd;
  r.cd = query.cd;
  r.ra = true;
  r.rcode = rcode;
  r.questions = query.questions;
  if (query.edns) r.edns = dns::Edns{our_edns_size, 0, query.edns->dnssec_ok, {}};
  return r;
}

/// RFC 8914 §2: option 15, INFO-CODE then UTF-8 EXTRA-TEXT.
std::string ede_option(std::uint16_t code, const std::string& text) {
  std::string out;
  std::size_t len = 2 + text.size();
  out += static_cast<char>(0);
  out += static_cast<char>(15);
  out += static_cast<char>(len >> 8);
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(code >> 8);
  out += static_cast<char>(code & 0xff);
  out += text;
  return out;
}

}  // namespace

std::size_t max_response_size(bool edns, std::uint16_t client_size, bool over_tcp,
                              std::uint16_t our_edns_size) {
  if (over_tcp) return 65535;
  if (!edns) return 512;
  return std::clamp<std::size_t>(client_size, 512, std::max<std::uint16_t>(our_edns_size, 512));
}

std::size_t max_response_size(const dns::Message& query, bool over_tcp, std::uint16_t our_edns_size) {
  return max_response_size(query.edns.has_value(), query.edns ? query.edns->udp_size : 0, over_tcp,
                           our_edns_size);
}

std::vector<std::uint8_t> make_response(const dns::Message& query, const resolver::Outcome& outcome,
                                        std::size_t max_size, std::uint16_t our_edns_size,
                                        std::string_view extra_options) {
  dns::Message r = response_skeleton(query, outcome.rcode, our_edns_size);
  r.answer = outcome.answer;
  r.authority = outcome.authority;
  // RFC 4035 §3.2.3 and RFC 6840 §5.7: AD for a secure answer, to a client that set DO or AD.
  r.ad = outcome.security == resolver::dnssec::Security::secure &&
         (query.ad || (query.edns && query.edns->dnssec_ok));
  if (!query.edns || !query.edns->dnssec_ok) {
    // RFC 4035 §3.2.1: without DO, no RRSIG/NSEC/NSEC3 unless that type was asked for (an
    // authority section's never is).
    const std::uint16_t asked = query.questions.empty() ? 0 : query.questions.front().type;
    std::erase_if(r.answer, [&](const dns::Record& rr) { return dns::is_dnssec_only(rr.type, asked); });
    std::erase_if(r.authority, [](const dns::Record& rr) { return dns::is_dnssec_only(rr.type, 0); });
  }
  if (r.edns && outcome.ede) r.edns->options = ede_option(*outcome.ede, outcome.ede_text);
  if (r.edns) r.edns->options += extra_options;
  if (auto wire = dns::build_message(r, max_size)) return std::move(*wire);
  // ldns refused a record it cannot encode: the client still gets an answer.
  return make_error(query, dns::rcode::servfail, our_edns_size, std::nullopt, extra_options);
}

std::vector<std::uint8_t> make_error(const dns::Message& query, std::uint16_t rcode,
                                     std::uint16_t our_edns_size, std::optional<std::uint16_t> ede,
                                     std::string_view extra_options) {
  dns::Message r = response_skeleton(query, rcode, our_edns_size);
  if (r.edns && ede) r.edns->options = ede_option(*ede, {});
  if (r.edns) r.edns->options += extra_options;
  return *dns::build_message(r);
}

std::optional<std::vector<std::uint8_t>> make_header_formerr(std::span<const std::uint8_t> packet) {
  if (packet.size() < dns::header_size) return std::nullopt;
  std::vector<std::uint8_t> out(dns::header_size, 0);
  out[0] = packet[0];
  out[1] = packet[1];
  out[2] = static_cast<std::uint8_t>(0x80 | (packet[2] & 0x79));  // QR, opcode, RD kept
  out[3] = 0x80 | dns::rcode::formerr;                              // RA, FORMERR
  return out;
}

}  // namespace tern::daemon
