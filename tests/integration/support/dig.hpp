// dig as a client of ternd: run with +time/+tries bounds through popen, the header (status,
// id, flags) and the sections parsed from its text output.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace tern::itest {

struct DigRecord {
  std::string name;  ///< lower-cased owner, with the final dot
  std::uint32_t ttl = 0;
  std::string type;  ///< "A", "TXT", ...
  std::string data;  ///< the rest of the line as dig prints it
};

struct DigResult {
  int exit_code = -1;     ///< dig's exit status (9: no reply)
  bool answered = false;  ///< a header was printed: ternd replied
  std::string status;     ///< "NOERROR", "NXDOMAIN", ...
  int id = -1;
  std::set<std::string> flags;  ///< "qr", "rd", "ra", "aa", "tc"
  std::vector<DigRecord> answer, authority, additional;
  std::string output;  ///< the whole text, for failure messages

  bool has(const std::string& flag) const { return flags.count(flag) > 0; }
  /// The answer records of one type.
  std::vector<DigRecord> answers(const std::string& type) const;
};

/// dig @127.0.0.1 -p PORT NAME TYPE +time=T +tries=N [options...]. `options` are passed as
/// given ("+tcp", "+ignore", "+bufsize=1232", "+norec"); names must be shell-safe.
DigResult dig(std::uint16_t port, const std::string& name, const std::string& type,
              const std::vector<std::string>& options = {}, int time_s = 3, int tries = 1);

/// The quoted strings of a dig TXT data field, unquoted (no escapes expected in the lab).
std::vector<std::string> txt_strings(const std::string& data);

}  // namespace tern::itest
