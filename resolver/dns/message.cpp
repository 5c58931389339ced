#include "resolver/dns/message.hpp"

#include "resolver/dns/ldns_handles.hpp"
#include "resolver/dns/question_spelling.hpp"

#include <ldns/ldns.h>

#include <cstring>

namespace tern::dns {

namespace {

/// RDATA with every compressed name expanded; names are lower-cased on the way.
std::string expand_rdata(std::span<const std::uint8_t> pkt, const RecordRef& ref) {
  const auto* base = reinterpret_cast<const char*>(pkt.data());
  RdataShape shape;
  if (!rdata_shape(ref.type, shape))
    return std::string(base + ref.rdata_offset, ref.rdlength);
  std::string out(base + ref.rdata_offset, shape.fixed_before);
  std::size_t pos = ref.rdata_offset + shape.fixed_before;
  for (unsigned i = 0; i < shape.names; ++i) {
    std::size_t end = 0;
    read_name(pkt, pos, end, &out);  // already checked by check_message
    pos = end;
  }
  out.append(base + pos, shape.fixed_after);
  return out;
}

Name checked_name(std::span<const std::uint8_t> pkt, std::size_t offset, std::size_t& end) {
  std::string wire;
  read_name(pkt, offset, end, &wire);
  return *Name::from_wire(wire);  // check_message proved it valid
}

void take_opt(const RecordRef& ref, std::span<const std::uint8_t> pkt, Message& out) {
  Edns edns;
  edns.udp_size = ref.klass < 512 ? 512 : ref.klass;
  edns.version = static_cast<std::uint8_t>(ref.ttl >> 16);
  edns.dnssec_ok = (ref.ttl & 0x8000u) != 0;
  edns.options.assign(reinterpret_cast<const char*>(pkt.data()) + ref.rdata_offset, ref.rdlength);
  out.rcode = static_cast<std::uint16_t>(out.rcode | ((ref.ttl >> 24) << 4));
  out.edns = std::move(edns);
}

/// Record -> ldns_rr, by handing ldns the record's own wire form.
LdnsRr to_ldns(const Record& rr) {
  std::vector<std::uint8_t> wire(rr.owner.wire().begin(), rr.owner.wire().end());
  auto put16 = [&](std::uint16_t v) { wire.push_back(v >> 8); wire.push_back(v & 0xff); };
  put16(rr.type);
  put16(rr.klass);
  put16(static_cast<std::uint16_t>(rr.ttl >> 16));
  put16(static_cast<std::uint16_t>(rr.ttl & 0xffff));
  put16(static_cast<std::uint16_t>(rr.rdata.size()));
  wire.insert(wire.end(), rr.rdata.begin(), rr.rdata.end());
  ldns_rr* out = nullptr;
  std::size_t pos = 0;
  if (ldns_wire2rr(&out, wire.data(), wire.size(), &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
    return nullptr;
  LdnsRr owned(out);
  // ldns reads RDATA by the type's layout and silently drops what does not fit it (an A record
  // with RDLENGTH 9 becomes 4 octets): such a record is refused rather than served altered.
  LdnsBuffer buf(ldns_buffer_new(rr.rdata.size() + 16));
  ldns_rr_rdata2buffer_wire(buf.get(), owned.get());
  if (ldns_buffer_position(buf.get()) != rr.rdata.size() ||
      std::memcmp(ldns_buffer_begin(buf.get()), rr.rdata.data(), rr.rdata.size()) != 0)
    return nullptr;
  return owned;
}

Record from_ldns(const ldns_rr* rr) {
  Record out;
  const ldns_rdf* owner = ldns_rr_owner(rr);
  out.owner = *Name::from_wire(std::string_view(
      reinterpret_cast<const char*>(ldns_rdf_data(owner)), ldns_rdf_size(owner)));
  out.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
  out.klass = static_cast<std::uint16_t>(ldns_rr_get_class(rr));
  out.ttl = ldns_rr_ttl(rr);
  LdnsBuffer buf(ldns_buffer_new(256));
  ldns_rr_rdata2buffer_wire(buf.get(), rr);
  out.rdata.assign(reinterpret_cast<const char*>(ldns_buffer_begin(buf.get())),
                   ldns_buffer_position(buf.get()));
  // Names inside RDATA are canonical in tern, as they are after parse_message.
  if (RdataShape shape; rdata_shape(out.type, shape)) {
    std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(out.rdata.data()),
                                        out.rdata.size());
    std::string lowered(out.rdata, 0, shape.fixed_before);
    std::size_t pos = shape.fixed_before;
    for (unsigned i = 0; i < shape.names; ++i) {
      std::size_t end = 0;
      read_name(bytes, pos, end, &lowered);
      pos = end;
    }
    lowered.append(out.rdata, pos);
    out.rdata = std::move(lowered);
  }
  return out;
}

bool push_records(ldns_pkt* pkt, ldns_pkt_section section, const std::vector<Record>& records) {
  for (const Record& rr : records) {
    LdnsRr converted = to_ldns(rr);
    if (!converted) return false;
    ldns_pkt_push_rr(pkt, section, converted.release());
  }
  return true;
}

LdnsPkt to_ldns_packet(const Message& msg, bool with_sections) {
  LdnsPkt pkt(ldns_pkt_new());
  ldns_pkt_set_id(pkt.get(), msg.id);
  ldns_pkt_set_qr(pkt.get(), msg.qr);
  ldns_pkt_set_aa(pkt.get(), msg.aa);
  ldns_pkt_set_tc(pkt.get(), msg.tc || !with_sections);
  ldns_pkt_set_rd(pkt.get(), msg.rd);
  ldns_pkt_set_ra(pkt.get(), msg.ra);
  ldns_pkt_set_ad(pkt.get(), msg.ad);
  ldns_pkt_set_cd(pkt.get(), msg.cd);
  ldns_pkt_set_opcode(pkt.get(), static_cast<ldns_pkt_opcode>(msg.opcode));
  ldns_pkt_set_rcode(pkt.get(), static_cast<std::uint8_t>(msg.rcode & 0xF));
  for (const Question& q : msg.questions) {
    ldns_rr* rr = ldns_rr_new();
    ldns_rr_set_owner(rr, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, q.name.wire().size(),
                                                q.name.wire().data()));
    ldns_rr_set_type(rr, static_cast<ldns_rr_type>(q.type));
    ldns_rr_set_class(rr, static_cast<ldns_rr_class>(q.klass));
    ldns_rr_set_question(rr, true);
    ldns_pkt_push_rr(pkt.get(), LDNS_SECTION_QUESTION, rr);
  }
  if (with_sections && !(push_records(pkt.get(), LDNS_SECTION_ANSWER, msg.answer) &&
                         push_records(pkt.get(), LDNS_SECTION_AUTHORITY, msg.authority) &&
                         push_records(pkt.get(), LDNS_SECTION_ADDITIONAL, msg.additional)))
    return nullptr;
  if (msg.edns) {
    ldns_pkt_set_edns_udp_size(pkt.get(), msg.edns->udp_size);
    ldns_pkt_set_edns_extended_rcode(pkt.get(), static_cast<std::uint8_t>(msg.rcode >> 4));
    ldns_pkt_set_edns_version(pkt.get(), msg.edns->version);
    ldns_pkt_set_edns_do(pkt.get(), msg.edns->dnssec_ok);
    if (!msg.edns->options.empty())
      ldns_pkt_set_edns_data(pkt.get(),
                             ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, msg.edns->options.size(),
                                                   msg.edns->options.data()));
  }
  return pkt;
}

std::optional<std::vector<std::uint8_t>> to_wire(const ldns_pkt* pkt) {
  std::uint8_t* data = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&data, pkt, &size) != LDNS_STATUS_OK) return std::nullopt;
  LdnsBytes owned(data);
  const std::span<const std::uint8_t> wire(data, size);
  // A response's question may be respelled as the client wrote it: no other name may point
  // into its suffixes (question_spelling.hpp). Queries and bare headers have no such names.
  const bool has_records = ldns_pkt_ancount(pkt) + ldns_pkt_nscount(pkt) + ldns_pkt_arcount(pkt) > 0;
  if (ldns_pkt_qr(pkt) && ldns_pkt_qdcount(pkt) == 1 && has_records)
    if (auto spared = spare_question_suffixes(wire)) return spared;
  return std::vector<std::uint8_t>(wire.begin(), wire.end());
}

}  // namespace

WireError parse_message(std::span<const std::uint8_t> pkt, Message& out) {
  std::vector<RecordRef> refs;
  if (auto e = check_message(pkt, &refs); e != WireError::none) return e;
  out = Message{};
  out.id = read_u16(pkt, 0);
  std::uint16_t flags = read_u16(pkt, 2);
  out.qr = flags & 0x8000;
  out.opcode = static_cast<std::uint8_t>((flags >> 11) & 0xF);
  out.aa = flags & 0x0400;
  out.tc = flags & 0x0200;
  out.rd = flags & 0x0100;
  out.ra = flags & 0x0080;
  out.ad = flags & 0x0020;
  out.cd = flags & 0x0010;
  out.rcode = flags & 0xF;
  std::size_t pos = header_size;
  for (unsigned q = read_u16(pkt, 4); q > 0; --q) {
    std::size_t end = 0;
    Name name = checked_name(pkt, pos, end);
    out.questions.push_back(Question{std::move(name), read_u16(pkt, end), read_u16(pkt, end + 2)});
    pos = end + 4;
  }
  for (const RecordRef& ref : refs) {
    if (ref.type == rrtype::OPT) {
      take_opt(ref, pkt, out);
      continue;
    }
    std::size_t end = 0;
    Record rr{checked_name(pkt, ref.owner_offset, end), ref.type, ref.klass, ref.ttl,
              expand_rdata(pkt, ref)};
    auto& section = ref.section == Section::answer      ? out.answer
                    : ref.section == Section::authority ? out.authority
                                                        : out.additional;
    section.push_back(std::move(rr));
  }
  return WireError::none;
}

std::optional<std::vector<std::uint8_t>> build_message(const Message& msg, std::size_t max_size) {
  LdnsPkt pkt = to_ldns_packet(msg, true);
  if (!pkt) return std::nullopt;
  auto wire = to_wire(pkt.get());
  if (!wire || wire->size() <= max_size) return wire;
  pkt = to_ldns_packet(msg, false);
  return to_wire(pkt.get());
}

std::vector<std::uint8_t> build_query(const Question& q, std::uint16_t id, std::uint16_t edns_size,
                                      std::string_view edns_options) {
  // Written directly, not through ldns (issue 18: cold-path CPU): one question, no compression
  // to do, the same octets build_message() makes of it (tests/unit/message_test.cpp).
  const std::string& qname = q.name.wire();
  std::vector<std::uint8_t> out;
  out.reserve(header_size + qname.size() + 4 + (edns_size ? 11 + edns_options.size() : 0));
  auto u16 = [&out](unsigned v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
  };
  u16(id);
  u16(0);  // QR, opcode QUERY, RD and every other flag clear
  u16(1);  // QDCOUNT
  u16(0);
  u16(0);
  u16(edns_size ? 1 : 0);  // ARCOUNT: the OPT record
  out.insert(out.end(), qname.begin(), qname.end());
  u16(q.type);
  u16(q.klass);
  if (edns_size) {
    // RFC 6891 §6.1.2: root owner, TYPE OPT, CLASS the UDP size, TTL extended RCODE 0, version
    // 0 and DO (RFC 3225 §3: the authorities send RRSIGs and denial proofs, which the caches
    // keep for clients that set DO themselves, and validation needs), then the options.
    out.push_back(0);
    u16(rrtype::OPT);
    u16(edns_size);
    u16(0);
    u16(0x8000);
    u16(static_cast<unsigned>(edns_options.size()));
    out.insert(out.end(), edns_options.begin(), edns_options.end());
  }
  return out;
}

std::optional<Record> record_from_text(std::string_view text) {
  std::string owned(text);
  ldns_rr* rr = nullptr;
  if (ldns_rr_new_frm_str(&rr, owned.c_str(), 3600, nullptr, nullptr) != LDNS_STATUS_OK)
    return std::nullopt;
  LdnsRr holder(rr);
  return from_ldns(rr);
}

std::string record_to_text(const Record& rr, std::uint32_t ttl) {
  Record copy = rr;
  copy.ttl = ttl;
  LdnsRr converted = to_ldns(copy);
  if (!converted) return copy.owner.to_text() + " ; unprintable record of type " + type_to_text(rr.type);
  LdnsString text(ldns_rr2str(converted.get()));
  std::string out(text ? text.get() : "");
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string type_to_text(std::uint16_t type) {
  LdnsString text(ldns_rr_type2str(static_cast<ldns_rr_type>(type)));
  return text ? std::string(text.get()) : "TYPE" + std::to_string(type);
}

std::optional<std::uint16_t> type_from_text(std::string_view text) {
  std::string owned(text);
  auto type = ldns_get_rr_type_by_name(owned.c_str());
  if (type == 0) return std::nullopt;
  return static_cast<std::uint16_t>(type);
}

std::string rcode_to_text(std::uint16_t rcode) {
  const ldns_lookup_table* entry = ldns_lookup_by_id(ldns_rcodes, rcode);
  return entry ? std::string(entry->name) : "RCODE" + std::to_string(rcode);
}

std::optional<Name> rdata_target(const Record& rr) {
  if (rr.type != rrtype::NS && rr.type != rrtype::CNAME && rr.type != rrtype::DNAME &&
      rr.type != rrtype::PTR)
    return std::nullopt;
  return Name::from_wire(rr.rdata);
}

std::optional<std::uint16_t> rrsig_covered(const Record& rr) {
  if (rr.type != rrtype::RRSIG || rr.rdata.size() < 2) return std::nullopt;
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(rr.rdata[0]) << 8 |
                                    static_cast<std::uint8_t>(rr.rdata[1]));
}

std::optional<std::uint32_t> soa_minimum(const Record& rr) {
  if (rr.type != rrtype::SOA || rr.rdata.size() < 22) return std::nullopt;
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(rr.rdata.data()),
                                      rr.rdata.size());
  return read_u32(bytes, bytes.size() - 4);
}

}  // namespace tern::dns
