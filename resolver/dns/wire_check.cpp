#include "resolver/dns/wire_check.hpp"

#include "resolver/dns/types.hpp"

namespace tern::dns {

std::string_view to_string(WireError e) noexcept {
  switch (e) {
    case WireError::none: return "none";
    case WireError::short_header: return "short-header";
    case WireError::truncated_name: return "truncated-name";
    case WireError::bad_label_type: return "bad-label-type";
    case WireError::name_too_long: return "name-too-long";
    case WireError::pointer_not_backwards: return "pointer-not-backwards";
    case WireError::too_many_pointers: return "too-many-pointers";
    case WireError::truncated_question: return "truncated-question";
    case WireError::truncated_record: return "truncated-record";
    case WireError::rdata_overrun: return "rdata-overrun";
    case WireError::bad_rdata: return "bad-rdata";
    case WireError::multiple_opt: return "multiple-opt";
    case WireError::opt_outside_additional: return "opt-outside-additional";
    case WireError::opt_bad_owner: return "opt-bad-owner";
    case WireError::trailing_data: return "trailing-data";
  }
  return "unknown";
}

WireError read_name(std::span<const std::uint8_t> msg, std::size_t offset, std::size_t& end,
                    std::string* out) {
  std::size_t pos = offset;
  std::size_t expanded = 0;  // octets of the expanded name, length octets included
  unsigned hops = 0;
  bool jumped = false;
  while (true) {
    if (pos >= msg.size()) return WireError::truncated_name;
    std::uint8_t len = msg[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= msg.size()) return WireError::truncated_name;
      std::size_t target = static_cast<std::size_t>((len & 0x3F) << 8) | msg[pos + 1];
      if (target >= pos) return WireError::pointer_not_backwards;
      if (++hops > max_pointer_hops) return WireError::too_many_pointers;
      if (!jumped) end = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if (len > max_label_length) return WireError::bad_label_type;
    expanded += 1 + len;
    if (expanded > max_name_length) return WireError::name_too_long;
    if (pos + 1 + len > msg.size()) return WireError::truncated_name;
    if (out) {
      out->push_back(static_cast<char>(len));
      for (std::size_t i = pos + 1; i < pos + 1 + len; ++i) {
        char c = static_cast<char>(msg[i]);
        out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
      }
    }
    if (len == 0) {
      if (!jumped) end = pos + 1;
      return WireError::none;
    }
    pos += 1 + len;
  }
}

namespace {

WireError check_rdata(std::span<const std::uint8_t> msg, std::uint16_t type, std::size_t at,
                      std::size_t rdlength);

}  // namespace

bool rdata_shape(std::uint16_t type, RdataShape& shape) noexcept {
  switch (type) {
    case rrtype::NS: case rrtype::CNAME: case rrtype::PTR: case rrtype::DNAME:
    case 3: case 4:          // MD, MF: obsolete, but RFC 3597 §4 lists them (ldns compresses them)
    case 7: case 8: case 9:  // MB, MG, MR
      shape = {0, 1, 0}; return true;
    case rrtype::SOA: shape = {0, 2, 20}; return true;
    case rrtype::MX: case rrtype::AFSDB: case 21: case 36:  // RT, KX
      shape = {2, 1, 0}; return true;
    case rrtype::RP: case 14:  // MINFO
      shape = {0, 2, 0}; return true;
    case 26: shape = {2, 2, 0}; return true;  // PX
    case rrtype::SRV: shape = {6, 1, 0}; return true;
    default: return false;
  }
}

namespace {

WireError check_rdata(std::span<const std::uint8_t> msg, std::uint16_t type, std::size_t at,
                      std::size_t rdlength) {
  RdataShape shape;
  if (!rdata_shape(type, shape)) return WireError::none;
  std::size_t limit = at + rdlength;
  std::size_t pos = at + shape.fixed_before;
  if (pos > limit) return WireError::bad_rdata;
  for (unsigned i = 0; i < shape.names; ++i) {
    std::size_t end = 0;
    if (read_name(msg.first(limit), pos, end, nullptr) != WireError::none) return WireError::bad_rdata;
    pos = end;
  }
  return pos + shape.fixed_after == limit ? WireError::none : WireError::bad_rdata;
}

}  // namespace

WireError check_message(std::span<const std::uint8_t> msg, std::vector<RecordRef>* records) {
  if (msg.size() < header_size) return WireError::short_header;
  std::size_t pos = header_size;
  for (unsigned q = read_u16(msg, 4); q > 0; --q) {
    std::size_t end = 0;
    if (auto e = read_name(msg, pos, end, nullptr); e != WireError::none) return e;
    if (end + 4 > msg.size()) return WireError::truncated_question;
    pos = end + 4;
  }
  const unsigned counts[3] = {read_u16(msg, 6), read_u16(msg, 8), read_u16(msg, 10)};
  bool seen_opt = false;
  for (unsigned s = 0; s < 3; ++s) {
    for (unsigned r = counts[s]; r > 0; --r) {
      std::size_t owner = pos, end = 0;
      if (auto e = read_name(msg, pos, end, nullptr); e != WireError::none) return e;
      if (end + 10 > msg.size()) return WireError::truncated_record;
      std::uint16_t type = read_u16(msg, end);
      std::uint16_t rdlength = read_u16(msg, end + 8);
      std::size_t rdata = end + 10;
      if (rdata + rdlength > msg.size()) return WireError::rdata_overrun;
      if (type == rrtype::OPT) {
        if (s != 2) return WireError::opt_outside_additional;
        if (seen_opt) return WireError::multiple_opt;
        if (msg[owner] != 0) return WireError::opt_bad_owner;
        seen_opt = true;
      } else if (auto e = check_rdata(msg, type, rdata, rdlength); e != WireError::none) {
        return e;
      }
      if (records)
        records->push_back(RecordRef{static_cast<Section>(s), type, read_u16(msg, end + 2),
                                     read_u32(msg, end + 4), owner, end + 4, rdata, rdlength});
      pos = rdata + rdlength;
    }
  }
  return pos == msg.size() ? WireError::none : WireError::trailing_data;
}

}  // namespace tern::dns
