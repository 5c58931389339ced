#include "resolver/dns/name.hpp"

#include "resolver/dns/ldns_handles.hpp"
#include "resolver/dns/types.hpp"

#include <ldns/ldns.h>

namespace tern::dns {

void ascii_lowercase(std::string& s) noexcept {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

std::optional<Name> Name::from_wire(std::string_view wire) {
  if (wire.empty() || wire.size() > max_name_length) return std::nullopt;
  std::size_t pos = 0;
  while (true) {
    auto len = static_cast<unsigned char>(wire[pos]);
    if (len == 0) break;
    if (len > max_label_length) return std::nullopt;
    pos += 1 + len;
    if (pos >= wire.size()) return std::nullopt;
  }
  if (pos + 1 != wire.size()) return std::nullopt;
  std::string canonical(wire);
  ascii_lowercase(canonical);
  return Name(std::move(canonical));
}

std::optional<Name> Name::from_text(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // ldns parses escapes (\DDD, \.) exactly as RFC 1035 §5.1 presentation format wants.
  std::string owned(text);
  LdnsRdf rdf(ldns_dname_new_frm_str(owned.c_str()));
  if (!rdf) return std::nullopt;
  return from_wire(std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(rdf.get())),
                                    ldns_rdf_size(rdf.get())));
}

std::string Name::to_text() const {
  if (is_root()) return ".";
  std::string out;
  std::size_t pos = 0;
  while (auto len = static_cast<unsigned char>(wire_[pos])) {
    for (std::size_t i = pos + 1; i <= pos + len; ++i) {
      auto c = static_cast<unsigned char>(wire_[i]);
      if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')' || c == '@' ||
          c == '$') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c <= 0x20 || c >= 0x7f) {
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\%03u", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '.';
    pos += 1 + len;
  }
  return out;
}

std::size_t Name::label_count() const noexcept {
  std::size_t count = 0;
  for (std::size_t pos = 0; wire_[pos] != 0; pos += 1 + static_cast<unsigned char>(wire_[pos]))
    ++count;
  return count;
}

bool Name::is_subdomain_of(const Name& zone) const noexcept {
  if (zone.wire_.size() > wire_.size()) return false;
  std::size_t pos = 0;
  while (wire_.size() - pos > zone.wire_.size()) pos += 1 + static_cast<unsigned char>(wire_[pos]);
  return wire_.size() - pos == zone.wire_.size() &&
         wire_.compare(pos, std::string::npos, zone.wire_) == 0;
}

Name Name::parent() const {
  if (is_root()) return *this;
  return Name(wire_.substr(1 + static_cast<unsigned char>(wire_[0])));
}

Name Name::suffix(std::size_t labels) const {
  std::size_t count = label_count();
  std::size_t pos = 0;
  for (; count > labels; --count) pos += 1 + static_cast<unsigned char>(wire_[pos]);
  return Name(wire_.substr(pos));
}

std::string_view Name::first_label() const noexcept {
  return std::string_view(wire_).substr(1, static_cast<unsigned char>(wire_[0]));
}

std::optional<Name> Name::child(std::string_view label) const {
  if (label.empty() || label.size() > max_label_length ||
      wire_.size() + 1 + label.size() > max_name_length)
    return std::nullopt;
  std::string wire;
  wire.reserve(wire_.size() + 1 + label.size());
  wire += static_cast<char>(label.size());
  wire += label;
  wire += wire_;
  ascii_lowercase(wire);
  return Name(std::move(wire));
}

}  // namespace tern::dns
