// Fuzz target: bytes a balancer (or anyone pretending to be one) sends before a query, read by
// the PROXY v2 parser (daemon/listeners/proxy_header.hpp). Whatever it accepts must lie inside
// the input and within limits::max_proxy_header_bytes, agree with the declared size, and parse
// the same way when exactly that many octets are given (what the TCP reader hands it).
#include "daemon/listeners/proxy_header.hpp"
#include "resolver/input_limits.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

using namespace tern::daemon;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  ProxyHeader header;
  const ProxyParse result = parse_proxy_v2(input, header);
  const std::size_t declared = proxy_v2_declared_size(input);
  if (result == ProxyParse::not_proxy) FUZZ_CHECK(!starts_with_proxy_v2(input) || size < proxy_v2_fixed_size);
  if (result == ProxyParse::too_long) FUZZ_CHECK(declared > tern::resolver::limits::max_proxy_header_bytes);
  if (result != ProxyParse::ok) return 0;
  FUZZ_CHECK(header.size == declared);
  FUZZ_CHECK(header.size >= proxy_v2_fixed_size && header.size <= size);
  FUZZ_CHECK(header.size <= tern::resolver::limits::max_proxy_header_bytes);
  ProxyHeader again;
  FUZZ_CHECK(parse_proxy_v2(input.first(header.size), again) == ProxyParse::ok);
  FUZZ_CHECK(again.size == header.size && again.source == header.source && again.has_source == header.has_source);
  // One octet short is never accepted: the header is whole or nothing.
  FUZZ_CHECK(parse_proxy_v2(input.first(header.size - 1), again) == ProxyParse::incomplete);
  return 0;
}
