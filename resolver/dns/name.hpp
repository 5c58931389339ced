// Domain names as tern holds them: uncompressed wire form, lower-cased (the canonical form of
// RFC 4034 §6.2), so that equality, hashing and cache keys are plain byte comparisons.
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tern::dns {

/// A valid, absolute, lower-cased domain name. Invariant: wire() is a sequence of labels of
/// 1..63 octets ending with the root label, at most 255 octets in all.
class Name {
 public:
  /// The root name ".".
  Name() : wire_(1, '\0') {}

  /// Parses presentation format ("www.example.lab", "www.example.lab.", "\\046", "."); every
  /// name is taken as absolute. nullopt when the text is not a valid name.
  static std::optional<Name> from_text(std::string_view text);
  /// Takes uncompressed wire form; nullopt unless it satisfies the invariant. Lower-cases.
  static std::optional<Name> from_wire(std::string_view wire);

  /// Replaces this name with an already-validated, already-lower-cased wire form (as produced
  /// by read_name after a successful check_message), reusing the storage: the hot path's way
  /// to build a lookup key without allocating.
  void assign_checked_wire(std::string_view wire) { wire_.assign(wire); }

  const std::string& wire() const noexcept { return wire_; }
  /// Presentation format with a trailing dot, special characters escaped (RFC 4343 §2.1).
  std::string to_text() const;

  bool is_root() const noexcept { return wire_.size() == 1; }
  std::size_t label_count() const noexcept;
  /// True when this name equals zone or lies below it.
  bool is_subdomain_of(const Name& zone) const noexcept;
  /// The name without its first label; the root's parent is the root.
  Name parent() const;
  /// The last `labels` labels of this name (RFC 9156 walks down with it); labels <= count.
  Name suffix(std::size_t labels) const;
  /// The leftmost label's octets (empty for the root).
  std::string_view first_label() const noexcept;
  /// This name with one label prepended; nullopt when the result would be too long.
  std::optional<Name> child(std::string_view label) const;

  friend bool operator==(const Name&, const Name&) = default;
  /// Orders by wire bytes: fast, total, not DNSSEC canonical order.
  friend std::strong_ordering operator<=>(const Name& a, const Name& b) { return a.wire_ <=> b.wire_; }

 private:
  explicit Name(std::string wire) : wire_(std::move(wire)) {}
  std::string wire_;
};

/// Lower-cases ASCII letters in place (DNS names compare case-insensitively, RFC 4343).
void ascii_lowercase(std::string& s) noexcept;

}  // namespace tern::dns

template <>
struct std::hash<tern::dns::Name> {
  std::size_t operator()(const tern::dns::Name& n) const noexcept {
    return std::hash<std::string>{}(n.wire());
  }
};
