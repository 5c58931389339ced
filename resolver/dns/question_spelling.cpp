#include "resolver/dns/question_spelling.hpp"

#include "resolver/dns/message.hpp"
#include "resolver/dns/wire_check.hpp"

#include <string>
#include <unordered_map>

namespace tern::dns {
namespace {

constexpr std::size_t max_pointer_target = 0x3FFF;

/// RFC 3597 §4: only the RFC 1035 types may be sent with compressed names in their RDATA
/// (ldns and Unbound compress just these; DNAME's target never, RFC 6672 §2.5).
bool compressible_rdata(std::uint16_t type) {
  switch (type) {
    case rrtype::NS: case rrtype::CNAME: case rrtype::PTR: case rrtype::SOA: case rrtype::MX:
    case 3: case 4: case 7: case 8: case 9: case 14:  // MD, MF, MB, MG, MR, MINFO
      return true;
    default: return false;
  }
}

/// Writes a message name by name, remembering where each suffix was written.
class Encoder {
 public:
  std::vector<std::uint8_t> out;

  /// The question: written whole, a target only for a name equal to it (not for a name it is
  /// a suffix of: mail.example.lab must not point at the question example.lab).
  void put_question_name(const std::string& name) {
    question_ = name;
    question_offset_ = out.size();
    out.insert(out.end(), name.begin(), name.end());
  }

  /// `name`: uncompressed wire form, lower case. Compressed against earlier names when allowed.
  void put_name(const std::string& name, bool compress) {
    if (compress && name == question_ && name.size() > 1) {
      out.push_back(static_cast<std::uint8_t>(0xC0 | question_offset_ >> 8));
      out.push_back(static_cast<std::uint8_t>(question_offset_ & 0xFF));
      return;
    }
    for (std::size_t pos = 0; name[pos] != 0; pos += static_cast<std::uint8_t>(name[pos]) + 1) {
      const std::string suffix = name.substr(pos);
      if (auto it = targets_.find(suffix); compress && it != targets_.end()) {
        out.push_back(static_cast<std::uint8_t>(0xC0 | it->second >> 8));
        out.push_back(static_cast<std::uint8_t>(it->second & 0xFF));
        return;
      }
      if (out.size() <= max_pointer_target) targets_.emplace(suffix, out.size());
      out.insert(out.end(), name.begin() + static_cast<std::ptrdiff_t>(pos),
                 name.begin() + static_cast<std::ptrdiff_t>(pos) + static_cast<std::uint8_t>(name[pos]) + 1);
    }
    out.push_back(0);
  }

  void copy(std::span<const std::uint8_t> wire, std::size_t from, std::size_t count) {
    out.insert(out.end(), wire.begin() + static_cast<std::ptrdiff_t>(from),
               wire.begin() + static_cast<std::ptrdiff_t>(from + count));
  }

 private:
  std::string question_;                                 ///< the question name, whole
  std::size_t question_offset_ = 0;                      ///< where it was written (12)
  std::unordered_map<std::string, std::size_t> targets_;  ///< other suffixes -> offset (<= 0x3FFF)
};

/// The name at `offset`, expanded and lower-cased; `end` just past its in-place octets.
std::optional<std::string> name_at(std::span<const std::uint8_t> wire, std::size_t offset, std::size_t& end) {
  std::string name;
  if (read_name(wire, offset, end, &name) != WireError::none) return std::nullopt;
  return name;
}

bool put_rdata(Encoder& e, std::span<const std::uint8_t> wire, const RecordRef& ref) {
  const std::size_t length_at = e.out.size();
  e.out.resize(e.out.size() + 2);
  RdataShape shape;
  if (!rdata_shape(ref.type, shape)) {
    e.copy(wire, ref.rdata_offset, ref.rdlength);
  } else {
    const std::size_t limit = ref.rdata_offset + ref.rdlength;
    std::size_t pos = ref.rdata_offset + shape.fixed_before;
    e.copy(wire, ref.rdata_offset, shape.fixed_before);
    for (unsigned n = 0; n < shape.names; ++n) {
      std::size_t end = 0;
      auto name = name_at(wire, pos, end);
      if (!name) return false;
      e.put_name(*name, compressible_rdata(ref.type));
      pos = end;
    }
    if (pos > limit) return false;  // check_message refuses this; never copy a negative length
    e.copy(wire, pos, limit - pos);
  }
  const std::size_t length = e.out.size() - length_at - 2;
  if (length > 0xFFFF) return false;
  e.out[length_at] = static_cast<std::uint8_t>(length >> 8);
  e.out[length_at + 1] = static_cast<std::uint8_t>(length & 0xFF);
  return true;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> spare_question_suffixes(std::span<const std::uint8_t> wire) {
  std::vector<RecordRef> refs;
  if (check_message(wire, &refs) != WireError::none || read_u16(wire, 4) != 1) return std::nullopt;
  Encoder e;
  e.copy(wire, 0, header_size);
  std::size_t question_end = 0;
  auto question = name_at(wire, header_size, question_end);
  if (!question) return std::nullopt;
  e.put_question_name(*question);
  e.copy(wire, question_end, 4);
  for (const RecordRef& ref : refs) {
    std::size_t owner_end = 0;
    auto owner = name_at(wire, ref.owner_offset, owner_end);
    if (!owner) return std::nullopt;
    e.put_name(*owner, true);
    e.copy(wire, owner_end, 8);  // type, class, TTL
    if (!put_rdata(e, wire, ref)) return std::nullopt;
  }
  if (e.out.size() > 0xFFFF) return std::nullopt;
  return std::move(e.out);
}

}  // namespace tern::dns
