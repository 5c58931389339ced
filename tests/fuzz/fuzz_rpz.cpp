// Fuzz target 5: policy zones, an outside party's data. The first byte picks the form: zone-file
// text (read by load_policy_text with ldns, as from a file) or a DNS message whose answer section
// is taken as the records of a transfer (PolicyZone::build, as after an AXFR). Whatever loads is
// looked up: the trigger names it holds, their ancestors (wildcards), and addresses.
#include "daemon/answering/rpz_zone.hpp"
#include "resolver/dns/message.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

using namespace tern;
using namespace tern::daemon::rpz;

namespace {

const std::string origin = std::string("\3rpz\4fuzz", 9) + std::string(1, '\0');

void probe(const PolicyZone& zone, std::span<const std::uint8_t> data) {
  FUZZ_CHECK(zone.record_count() >= 1);
  // Every name the input spells (as wire labels of its own bytes) is looked up, with its
  // ancestors: a lookup never reads outside the name it was given.
  std::string name;
  for (std::size_t i = 0; i + 1 < data.size() && name.size() < 200; i += 4) {
    const std::size_t n = std::min<std::size_t>(data[i] % 8 + 1, data.size() - i - 1);
    name += static_cast<char>(n);
    for (std::size_t k = 0; k < n; ++k) name += static_cast<char>(std::tolower(data[i + 1 + k] ? data[i + 1 + k] : 'a'));
    std::string wire = name + std::string(1, '\0');
    (void)zone.find_name(wire);
    (void)zone.find_name(wire, true);
  }
  if (data.size() >= 16) {
    auto a = address16(data.first(16));
    for (Trigger t : {Trigger::client_ip, Trigger::response_ip, Trigger::nsip}) (void)zone.find_address(t, *a);
    auto v4 = address16(data.first(4));
    (void)zone.find_address(Trigger::response_ip, *v4);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 1) return 0;
  const std::span<const std::uint8_t> data(bytes + 1, size - 1);
  std::string error;
  if (bytes[0] & 1) {
    const std::string text(reinterpret_cast<const char*>(data.data()), data.size());
    std::optional<PolicyZone> zone = load_policy_text(text, origin, "fuzz", error);
    FUZZ_CHECK(zone || !error.empty());
    if (zone) probe(*zone, data);
  } else {
    dns::Message message;
    if (dns::parse_message(data, message) != dns::WireError::none) return 0;
    std::vector<dns::Record> records = message.answer;
    records.insert(records.end(), message.authority.begin(), message.authority.end());
    std::optional<PolicyZone> zone = PolicyZone::build(origin, records, error);
    FUZZ_CHECK(zone || !error.empty());
    if (zone) probe(*zone, data);
  }
  return 0;
}
