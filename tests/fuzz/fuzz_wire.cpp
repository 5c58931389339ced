// Fuzz target 1: bytes from a client. The bounded wire check, parse_message, the hot path's
// question screen (QueryHandler::answer_from_cache reads the question straight from the packet
// after check_message), and the build/parse round trip of whatever parsed.
#include "resolver/dns/message.hpp"
#include "resolver/dns/wire_check.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

using namespace tern::dns;

namespace {

// The hot path's screen (answer_from_cache): once check_message accepted the packet, the
// question name, type and class are read in place; every offset must be inside the packet,
// and a question that is not written in place (a compression pointer) must be noticed.
void check_hot_path_screen(std::span<const std::uint8_t> packet, const std::vector<RecordRef>& records) {
  if ((packet[2] & 0xF9) != 0x01 || read_u16(packet, 4) != 1 || read_u16(packet, 6) != 0 ||
      read_u16(packet, 8) != 0 || read_u16(packet, 10) > 1)
    return;
  std::string name;
  std::size_t end = 0;
  FUZZ_CHECK(read_name(packet, header_size, end, &name) == WireError::none);
  FUZZ_CHECK(end + 4 <= packet.size());
  FUZZ_CHECK(name.size() <= 255 && !name.empty() && name.back() == '\0');
  FUZZ_CHECK(records.size() == read_u16(packet, 10));
  // What the hit response then copies as the client's name (packet.subspan(12, name.size()))
  // lies inside the packet only when the name is written in place: answer_from_cache leaves
  // a compressed question to handle() (the bug this target found: a read past the datagram).
  if (end - header_size != name.size()) return;
  FUZZ_CHECK(header_size + name.size() + 4 <= packet.size());
  for (std::size_t i = 0; i < name.size(); ++i) {
    const std::uint8_t c = packet[header_size + i];
    FUZZ_CHECK(static_cast<std::uint8_t>(name[i]) == ((c >= 'A' && c <= 'Z') ? c + 32 : c));
  }
}

void check_records(std::span<const std::uint8_t> packet, const std::vector<RecordRef>& records) {
  for (const RecordRef& r : records) {
    FUZZ_CHECK(r.owner_offset < packet.size());
    FUZZ_CHECK(r.ttl_offset + 4 <= packet.size());
    FUZZ_CHECK(read_u32(packet, r.ttl_offset) == r.ttl);
    FUZZ_CHECK(r.rdata_offset + r.rdlength <= packet.size());
    FUZZ_CHECK(r.ttl_offset < r.rdata_offset);
  }
}

// What parsed must survive ldns building it and tern parsing it back: same header bits,
// question and records (names are canonical, RDATA uncompressed on both sides).
void check_round_trip(const Message& msg) {
  std::optional<std::vector<std::uint8_t>> wire = build_message(msg);
  if (!wire) return;  // ldns refused a record: reported, not a crash
  Message again;
  const WireError e = parse_message(*wire, again);
  FUZZ_CHECK(e == WireError::none);
  if (again.tc && !msg.tc) return;  // sections dropped to fit 65535 octets
  FUZZ_CHECK(again.id == msg.id && again.opcode == msg.opcode && again.rcode == msg.rcode);
  FUZZ_CHECK(again.qr == msg.qr && again.aa == msg.aa && again.rd == msg.rd && again.cd == msg.cd);
  FUZZ_CHECK(again.questions == msg.questions);
  FUZZ_CHECK(again.answer.size() == msg.answer.size());
  FUZZ_CHECK(again.authority.size() == msg.authority.size());
  FUZZ_CHECK(again.additional.size() == msg.additional.size());
  FUZZ_CHECK(again.answer == msg.answer);
  FUZZ_CHECK(again.authority == msg.authority);
  FUZZ_CHECK(again.additional == msg.additional);
  FUZZ_CHECK(again.edns.has_value() == msg.edns.has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A copy of exactly `size` octets, so ASan sees any read past the packet's end.
  const std::vector<std::uint8_t> bytes(data, data + size);
  const std::span<const std::uint8_t> packet(bytes);

  std::vector<RecordRef> records;
  const WireError checked = check_message(packet, &records);
  Message msg;
  const WireError parsed = parse_message(packet, msg);
  // parse_message runs the same check first: it accepts exactly what the check accepts.
  FUZZ_CHECK((checked == WireError::none) == (parsed == WireError::none));
  if (checked != WireError::none) return 0;

  check_records(packet, records);
  check_hot_path_screen(packet, records);
  const std::size_t counted = std::size_t{read_u16(packet, 6)} + read_u16(packet, 8) + read_u16(packet, 10);
  FUZZ_CHECK(records.size() == counted);
  FUZZ_CHECK(msg.questions.size() == read_u16(packet, 4));
  FUZZ_CHECK(msg.answer.size() + msg.authority.size() + msg.additional.size() + (msg.edns ? 1 : 0) == counted);
  for (const Question& q : msg.questions) FUZZ_CHECK(q.name.wire().size() <= 255);
  check_round_trip(msg);
  return 0;
}
