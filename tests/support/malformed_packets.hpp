// The malformed-packet catalogue, written once and used twice: the integration suite sends each
// category to ternd as a client query (over UDP, TCP and DoT), and the resolver suite makes the
// fake authorities answer with it. Each category is a generator, so that the packet carries the
// ID and question name of the exchange it is part of: a broken reply that carried the wrong ID
// would be rejected for the ID, and would prove nothing about the parser.
//
// Standard library only: the integration binary links no tern library.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tern::malformed {

using Bytes = std::vector<std::uint8_t>;

/// The exchange a generated packet belongs to.
struct Context {
  std::uint16_t id = 0;
  Bytes qname;            ///< the question name in wire form, in the case it was asked
  bool response = false;  ///< an authority's reply (QR=1, AA=1, one answer "qname A 6.6.6.6")
                          ///< rather than a client's query
};

/// What ternd must do with the category as a client query.
enum class Verdict {
  formerr,  ///< rcode 1 with the query's ID
  notimp,   ///< rcode 4
  refused,  ///< rcode 5
  badvers,  ///< extended rcode 16 (in the OPT)
  drop,     ///< no reply at all; the TCP connection stays open
  close,    ///< no reply and the TCP connection closed
};

struct Category {
  std::string_view name;
  Bytes (*make)(const Context&);
  std::optional<Verdict> udp;  ///< nullopt: not sent over UDP (no such datagram)
  std::optional<Verdict> tcp;  ///< also DoT: nullopt: not sent over a stream
  bool authority = true;       ///< sent as an authority's reply in the resolver suite
};

/// Every category (at least 25), in a stable order.
const std::vector<Category>& categories();

/// The rcode a verdict stands for (formerr 1, notimp 4, refused 5, badvers 16), or -1.
int rcode_of(Verdict v);

/// Wire form of a dotted name ("www.example.lab", no escapes), for callers without one.
Bytes encode_name(std::string_view dotted);

}  // namespace tern::malformed
