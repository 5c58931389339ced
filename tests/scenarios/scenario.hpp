// One walk scenario (tests/scenarios/*.scn, the format is in README.md there): the authorities
// a resolver meets, the time steps, and the client questions with the answers and the upstream
// queries expected. parse_scenario() reads a file into this; play_scenario() runs it against a
// Resolver in process (InProcessUpstream: no socket, virtual time) and says where it first
// differs from what the file expects.
#pragma once

#include "resolver/resolver.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace tern::scenario {

/// A scenario file that does not follow the format: "file:line: what".
struct FormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// `zone ORIGIN @ ADDR...`: the zone's records, served by these addresses from here on
/// (a later step for the same origin replaces both).
struct ZoneStep {
  std::string origin;
  std::vector<std::string> servers;
  std::vector<std::string> records;  ///< presentation format, as written
};

/// `reply ADDR QNAME QTYPE`: what this server answers to this question from here on, in place
/// of its zones. qtype "*" stands for every type of the name.
struct ReplyStep {
  std::string server, qname, qtype;
  bool silent = false;      ///< no reply at all: the resolver times out
  bool zone = false;        ///< back to the zones: removes an earlier reply
  std::uint16_t rcode = 0;
  bool aa = false;
  std::vector<std::string> answer, authority, additional;
};

/// `time +SECONDS`: the caches' clock moves on.
struct TimeStep {
  std::chrono::seconds by{0};
};

/// `query QNAME QTYPE`: a client question and everything expected of it.
struct QueryStep {
  std::string qname;
  std::uint16_t qtype = 0;
  std::uint16_t rcode = 0;
  std::optional<std::uint16_t> ede;
  std::vector<std::string> answer, authority;  ///< presentation format, normalised
  std::vector<std::string> sent;  ///< "ADDR QNAME QTYPE", each exactly once
  std::vector<std::string> may;   ///< "ADDR QNAME QTYPE", any number of times
};

struct Step {
  int line = 0;
  std::variant<ZoneStep, ReplyStep, TimeStep, QueryStep> what;
};

struct Scenario {
  std::string path;
  std::string title;
  std::string xfail;  ///< not empty: known to fail, and why
  resolver::ResolverOptions options;
  std::string hints;  ///< root hints in zone-file format
  std::vector<Step> steps;
};

/// Reads a scenario file; throws FormatError.
Scenario parse_scenario(const std::string& path);

/// Plays `scenario`; nullopt when everything matched, else the first mismatch: the step's
/// line, what differs, and a diff (- expected, + got).
std::optional<std::string> play_scenario(const Scenario& scenario);

/// "ADDR QNAME QTYPE" with the name lower-cased and absolute and the type by its mnemonic.
std::string upstream_key(const std::string& address, const dns::Name& qname, std::uint16_t qtype);

}  // namespace tern::scenario
