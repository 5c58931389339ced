#include "resolver/dnssec/name_order.hpp"

#include "resolver/dns/types.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

namespace tern::resolver::dnssec {
namespace {

/// The start offset of every label of a name's wire form, leftmost first; a name has at most
/// 127 labels (255 octets, two per label at least), so a fixed array holds them all.
struct LabelOffsets {
  std::array<std::uint8_t, dns::max_name_length / 2 + 1> start{};
  std::size_t count = 0;
};

LabelOffsets label_offsets(const std::string& wire) noexcept {
  LabelOffsets out;
  for (std::size_t pos = 0; wire[pos] != 0; pos += 1 + static_cast<unsigned char>(wire[pos]))
    out.start[out.count++] = static_cast<std::uint8_t>(pos);
  return out;
}

std::string_view label_at(const std::string& wire, std::size_t offset) noexcept {
  return std::string_view(wire).substr(offset + 1, static_cast<unsigned char>(wire[offset]));
}

}  // namespace

std::strong_ordering canonical_compare(const dns::Name& a, const dns::Name& b) noexcept {
  const LabelOffsets la = label_offsets(a.wire());
  const LabelOffsets lb = label_offsets(b.wire());
  std::size_t ia = la.count, ib = lb.count;
  while (ia > 0 && ib > 0) {
    --ia;
    --ib;
    // string_view's <=> compares octets as unsigned char, as RFC 4034 section 6.1 wants.
    const auto order = label_at(a.wire(), la.start[ia]) <=> label_at(b.wire(), lb.start[ib]);
    if (order != 0) return order < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  // One name is a suffix of the other: the one with fewer labels (the ancestor) sorts first.
  return ia <=> ib;
}

bool canonical_span_covers(const dns::Name& owner, const dns::Name& next,
                           const dns::Name& name) noexcept {
  const auto after_owner = canonical_compare(owner, name) < 0;
  const auto before_next = canonical_compare(name, next) < 0;
  if (canonical_compare(owner, next) < 0) return after_owner && before_next;
  if (owner == next) return name != owner;
  return after_owner || before_next;
}

dns::Name common_ancestor(const dns::Name& a, const dns::Name& b) {
  std::size_t labels = std::min(a.label_count(), b.label_count());
  while (labels > 0 && a.suffix(labels) != b.suffix(labels)) --labels;
  return a.suffix(labels);
}

}  // namespace tern::resolver::dnssec
