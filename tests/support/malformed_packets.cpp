// The malformed-packet catalogue: see malformed_packets.hpp. Each generator starts from the
// same well-formed packet (header, question, and for a reply one answer) and breaks one thing.
#include "malformed_packets.hpp"

#include <cstddef>

namespace tern::malformed {

namespace {

struct Counts {
  std::uint16_t qd = 1, an = 0, ns = 0, ar = 0;
};

void put16(Bytes& out, unsigned v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

/// The header: a query has RD; a reply has QR, AA and RD (echoed). The answer count of a reply
/// includes its one answer unless `counts` says otherwise.
Bytes header(const Context& c, Counts counts, std::uint8_t flip_hi = 0) {
  Bytes h;
  put16(h, c.id);
  h.push_back(static_cast<std::uint8_t>((c.response ? 0x85 : 0x01) ^ flip_hi));
  h.push_back(0);
  put16(h, counts.qd);
  put16(h, counts.an);
  put16(h, counts.ns);
  put16(h, counts.ar);
  return h;
}

Counts normal(const Context& c) {
  Counts n;
  n.an = c.response ? 1 : 0;
  return n;
}

/// QTYPE A, QCLASS IN.
const Bytes a_in = {0, 1, 0, 1};

Bytes question(const Context& c) {
  Bytes q = c.qname;
  append(q, a_in);
  return q;
}

/// "qname A 6.6.6.6", the owner a pointer to the question name: the forger's data, which must
/// never reach a cache however the packet around it is broken.
Bytes answer_rr() { return {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, 6, 6, 6, 6}; }

/// The answer when the packet is a reply, nothing for a query.
Bytes answer_if_reply(const Context& c) { return c.response ? answer_rr() : Bytes{}; }

/// An OPT record: root owner, UDP size 1232, version `version`, RDATA `rdata`.
Bytes opt(std::uint8_t version = 0, const Bytes& rdata = {}, const Bytes& owner = {0}) {
  Bytes o = owner;
  append(o, {0, 41, 0x04, 0xD0, 0, version, 0, 0});
  put16(o, static_cast<unsigned>(rdata.size()));
  append(o, rdata);
  return o;
}

/// A well-formed packet with `name_wire` in place of the question name.
Bytes with_qname(const Context& c, const Bytes& name_wire) {
  Bytes p = header(c, normal(c));
  append(p, name_wire);
  append(p, a_in);
  append(p, answer_if_reply(c));
  return p;
}

Bytes well_formed(const Context& c) {
  Bytes p = header(c, normal(c));
  append(p, question(c));
  append(p, answer_if_reply(c));
  return p;
}

// --- names ----------------------------------------------------------------------------------

Bytes pointer_to_itself(const Context& c) { return with_qname(c, {0xC0, 0x0C}); }

Bytes pointer_loop(const Context& c) {
  // name at 12 is a pointer to 14; at 14 the "type" octets C0 0C point back to 12
  Bytes p = header(c, normal(c));
  append(p, {0xC0, 0x0E, 0xC0, 0x0C, 0, 1});
  append(p, answer_if_reply(c));
  return p;
}

Bytes forward_pointer(const Context& c) {
  // the question name points forward, at a good copy of the name placed after the question
  Bytes p = header(c, normal(c));
  const std::size_t target = p.size() + 2 + 4 + (c.response ? answer_rr().size() : 0);
  append(p, {static_cast<std::uint8_t>(0xC0 | target >> 8), static_cast<std::uint8_t>(target)});
  append(p, a_in);
  append(p, answer_if_reply(c));
  append(p, c.qname);
  return p;
}

Bytes pointer_past_end(const Context& c) { return with_qname(c, {0xFF, 0xFF}); }

Bytes label_64(const Context& c) {
  Bytes name{64};
  name.insert(name.end(), 64, 'a');
  name.push_back(0);
  return with_qname(c, name);
}

Bytes label_type_40(const Context& c) {
  // RFC 2673 bitstring label (0x41), retired by RFC 6891
  return with_qname(c, {0x41, 0x08, 0xAA, 0});
}

Bytes label_type_80(const Context& c) { return with_qname(c, {0x85, 'a', 'b', 'c', 'd', 'e', 0}); }

Bytes name_over_255(const Context& c) {
  Bytes name;
  for (int i = 0; i < 5; ++i) {
    name.push_back(60);
    name.insert(name.end(), 60, 'b');
  }
  name.push_back(0);
  return with_qname(c, name);
}

Bytes name_without_end(const Context& c) {
  // a label that runs past the end of the packet
  Bytes p = header(c, normal(c));
  append(p, {20, 'a', 'b', 'c'});
  return p;
}

Bytes record_owner_past_end(const Context& c) {
  Counts n = normal(c);
  n.an = 1;
  Bytes p = header(c, n);
  append(p, question(c));
  append(p, {0xC3, 0xFF, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, 6, 6, 6, 6});
  return p;
}

// --- counts ---------------------------------------------------------------------------------

Bytes qdcount_0(const Context& c) {
  Counts n = normal(c);
  n.qd = 0;
  Bytes p = header(c, n);
  if (c.response) {  // the answer cannot point at a question that is not there
    append(p, c.qname);
    append(p, {0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, 6, 6, 6, 6});
  }
  return p;
}

Bytes qdcount_2(const Context& c) {
  Counts n = normal(c);
  n.qd = 2;
  Bytes p = header(c, n);
  append(p, question(c));
  append(p, {0xC0, 0x0C, 0, 28, 0, 1});  // the same name, AAAA
  append(p, answer_if_reply(c));
  return p;
}

Bytes question_missing(const Context& c) { return header(c, normal(c)); }

Bytes question_cut(const Context& c) {
  Bytes p = header(c, normal(c));
  append(p, c.qname);
  p.push_back(0);
  return p;
}

Bytes ancount_beyond(const Context& c) {
  Counts n = normal(c);
  n.an = 5;
  Bytes p = header(c, n);
  append(p, question(c));
  append(p, answer_if_reply(c));
  return p;
}

Bytes nscount_65535(const Context& c) {
  Counts n = normal(c);
  n.ns = 65535;
  Bytes p = header(c, n);
  append(p, question(c));
  append(p, answer_if_reply(c));
  return p;
}

Bytes arcount_beyond(const Context& c) {
  Counts n = normal(c);
  n.ar = 1;
  Bytes p = header(c, n);
  append(p, question(c));
  append(p, answer_if_reply(c));
  return p;
}

// --- records --------------------------------------------------------------------------------

Bytes rdlength_past_end(const Context& c) {
  Counts n = normal(c);
  n.an = 1;
  Bytes p = header(c, n);
  append(p, question(c));
  append(p, {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 200, 6, 6, 6, 6});
  return p;
}

Bytes rdata_name_overrun(const Context& c) {
  // a CNAME whose target name runs past its RDLENGTH
  Counts n = normal(c);
  n.an = 1;
  Bytes p = header(c, n);
  append(p, question(c));
  append(p, {0xC0, 0x0C, 0, 5, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, 5, 'e', 'v', 'i'});
  append(p, {'l', 0});
  return p;
}

Bytes trailing_garbage(const Context& c) {
  Bytes p = well_formed(c);
  append(p, {'j', 'u', 'n', 'k', '!'});
  return p;
}

Bytes message_65535(const Context& c) {
  Bytes p = well_formed(c);
  p.resize(65535, 0xAA);
  return p;
}

Bytes empty_message(const Context&) { return {}; }

Bytes header_11(const Context& c) {
  Bytes p = header(c, normal(c));
  p.pop_back();
  return p;
}

Bytes header_5(const Context& c) {
  Bytes p = header(c, normal(c));
  p.resize(5);
  return p;
}

// --- EDNS -----------------------------------------------------------------------------------

Bytes with_additional(const Context& c, std::uint16_t ar, const Bytes& additional) {
  Counts n = normal(c);
  n.ar = ar;
  Bytes p = header(c, n);
  append(p, question(c));
  append(p, answer_if_reply(c));
  append(p, additional);
  return p;
}

Bytes two_opt(const Context& c) {
  Bytes both = opt();
  append(both, opt());
  return with_additional(c, 2, both);
}

Bytes opt_in_answer(const Context& c) {
  Counts n = normal(c);
  n.an = static_cast<std::uint16_t>(n.an + 1);
  Bytes p = header(c, n);
  append(p, question(c));
  append(p, answer_if_reply(c));
  append(p, opt());
  return p;
}

Bytes opt_non_root_owner(const Context& c) { return with_additional(c, 1, opt(0, {}, {0xC0, 0x0C})); }

Bytes opt_option_past_rdata(const Context& c) {
  // a COOKIE option claiming 20 octets in a 4-octet RDATA
  return with_additional(c, 1, opt(0, {0, 10, 0, 20}));
}

Bytes opt_rdlength_past_end(const Context& c) {
  Bytes o = opt();
  o[o.size() - 1] = 40;  // RDLENGTH 40, nothing follows
  return with_additional(c, 1, o);
}

Bytes edns_version_1(const Context& c) { return with_additional(c, 1, opt(1)); }

// --- header fields --------------------------------------------------------------------------

Bytes qr_flipped(const Context& c) {
  // a query with QR=1 (a reflected response); a reply with QR=0 (not a reply at all)
  Bytes p = well_formed(c);
  p[2] ^= 0x80;
  return p;
}

Bytes opcode_update(const Context& c) {
  Bytes p = well_formed(c);
  p[2] = static_cast<std::uint8_t>((p[2] & 0x87) | 5 << 3);
  return p;
}

Bytes class_chaos(const Context& c) {
  Bytes p = well_formed(c);
  p[12 + c.qname.size() + 3] = 3;
  return p;
}

Bytes qtype_opt(const Context& c) {
  Bytes p = well_formed(c);
  p[12 + c.qname.size() + 1] = 41;
  return p;
}

using V = Verdict;

}  // namespace

const std::vector<Category>& categories() {
  // Stream verdicts: a message that arrived whole in its frame is judged like a datagram; only
  // the framing itself (a zero-length frame) breaks the connection.
  static const std::vector<Category> all = {
      {"compression pointer to itself", pointer_to_itself, V::formerr, V::formerr},
      {"compression pointer loop (two pointers)", pointer_loop, V::formerr, V::formerr},
      {"forward compression pointer", forward_pointer, V::formerr, V::formerr},
      {"compression pointer past the end", pointer_past_end, V::formerr, V::formerr},
      {"record owner pointer past the end", record_owner_past_end, V::formerr, V::formerr},
      {"label of 64 octets (label type 0x40)", label_64, V::formerr, V::formerr},
      {"bitstring label (label type 0x41)", label_type_40, V::formerr, V::formerr},
      {"label type 0x80", label_type_80, V::formerr, V::formerr},
      {"name of 306 octets", name_over_255, V::formerr, V::formerr},
      {"label running past the end", name_without_end, V::formerr, V::formerr},
      {"QDCOUNT 0", qdcount_0, V::formerr, V::formerr},
      {"QDCOUNT 2", qdcount_2, V::formerr, V::formerr},
      {"QDCOUNT 1 and no question", question_missing, V::formerr, V::formerr},
      {"question cut in its type", question_cut, V::formerr, V::formerr},
      {"ANCOUNT beyond the packet", ancount_beyond, V::formerr, V::formerr},
      {"NSCOUNT 65535", nscount_65535, V::formerr, V::formerr},
      {"ARCOUNT beyond the packet", arcount_beyond, V::formerr, V::formerr},
      {"RDLENGTH past the end", rdlength_past_end, V::formerr, V::formerr},
      {"RDATA name past its RDLENGTH", rdata_name_overrun, V::formerr, V::formerr},
      {"trailing garbage", trailing_garbage, V::formerr, V::formerr},
      {"two OPT records", two_opt, V::formerr, V::formerr},
      {"OPT in the answer section", opt_in_answer, V::formerr, V::formerr},
      {"OPT with a non-root owner", opt_non_root_owner, V::formerr, V::formerr},
      {"EDNS option length past the OPT RDATA", opt_option_past_rdata, V::formerr, V::formerr},
      {"OPT RDLENGTH past the end", opt_rdlength_past_end, V::formerr, V::formerr},
      {"QTYPE OPT", qtype_opt, V::formerr, V::formerr, false},
      {"EDNS version 1", edns_version_1, V::badvers, V::badvers, false},
      {"QR flipped (a response as a query, a query as a reply)", qr_flipped, V::drop, V::drop},
      {"opcode UPDATE", opcode_update, V::notimp, V::notimp},
      {"class CH", class_chaos, V::refused, V::refused},
      {"header of 11 octets", header_11, V::drop, V::drop},
      {"header of 5 octets", header_5, V::drop, V::drop},
      // An empty datagram is unreadable; an empty TCP frame is broken framing.
      {"zero-length message", empty_message, V::drop, V::close},
      // Over UDP it cannot be sent (65507 is the most); over TCP it is read whole and judged.
      {"65535-octet message", message_65535, std::nullopt, V::formerr, false},
  };
  return all;
}

int rcode_of(Verdict v) {
  switch (v) {
    case Verdict::formerr: return 1;
    case Verdict::notimp: return 4;
    case Verdict::refused: return 5;
    case Verdict::badvers: return 16;
    default: return -1;
  }
}

Bytes encode_name(std::string_view dotted) {
  Bytes out;
  while (!dotted.empty()) {
    const std::size_t dot = dotted.find('.');
    const std::string_view label = dotted.substr(0, dot);
    if (!label.empty()) {
      out.push_back(static_cast<std::uint8_t>(label.size()));
      out.insert(out.end(), label.begin(), label.end());
    }
    if (dot == std::string_view::npos) break;
    dotted.remove_prefix(dot + 1);
  }
  out.push_back(0);
  return out;
}

}  // namespace tern::malformed
