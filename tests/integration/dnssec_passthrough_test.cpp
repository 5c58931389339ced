// DNSSEC records through ternd (RFC 4035 §3.2.1), against the suite's signed lab: a client with
// DO gets the RRSIGs and the NSEC/NSEC3 proofs, fresh and from the cache; one without DO gets
// none; and delv, validating on its own with the lab's root DS, fully validates a secure name, a
// secure NXDOMAIN and a secure NODATA through ternd (it asks ternd for every DNSKEY and DS too).
#include <catch2/catch.hpp>

#include "support/dig.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"

#include <fstream>
#include <sstream>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

std::size_t count_type(const std::vector<DigRecord>& section, const std::string& type) {
  return static_cast<std::size_t>(
      std::count_if(section.begin(), section.end(), [&](const DigRecord& r) { return r.type == type; }));
}

/// delv's trust-anchors clause for the lab's root DS (delv -a reads named.conf syntax).
std::string delv_anchor_file(const std::string& dir) {
  std::istringstream lines(read_file(Lab::get().dir() + "/root.key"));
  std::string out = "trust-anchors {\n";
  for (std::string line; std::getline(lines, line);) {
    std::istringstream f(line);
    std::string owner, ttl, klass, type, tag, alg, digest_type, digest;
    if (!(f >> owner >> ttl >> klass >> type >> tag >> alg >> digest_type >> digest) || type != "DS") continue;
    out += "  \"" + owner + "\" static-ds " + tag + " " + alg + " " + digest_type + " \"" + digest + "\";\n";
  }
  out += "};\n";
  const std::string path = dir + "/delv-anchor.conf";
  std::ofstream(path) << out;
  return path;
}

/// delv @127.0.0.1 -p PORT -a ANCHOR +root=. NAME TYPE; its whole output.
std::string delv(const Ternd& t, const std::string& anchor, const std::string& name, const std::string& type,
                 const std::string& log) {
  ProcessOptions o;
  o.args = {"/usr/bin/delv", "@127.0.0.1", "-p", std::to_string(t.port()), "-a", anchor, "+root=.", name, type};
  o.log_path = log;
  ExitStatus s = run_to_completion(o, 30s);
  std::string out = read_file(log);
  INFO("delv " << name << " " << type << " (" << s.describe() << "):\n" << out);
  CHECK(s.exited);
  return out;
}

}  // namespace

TEST_CASE("RRSIGs and denial proofs reach DO clients only, fresh and cached", "[dnssec-passthrough]") {
  Ternd t;
  for (int round = 0; round < 2; ++round) {  // the fresh resolution, then the cached copy
    INFO("round " << round);
    DigResult with = dig(t.port(), "www.alg13.sec", "A", {"+dnssec"});
    INFO(with.output);
    REQUIRE(with.answered);
    CHECK(with.status == "NOERROR");
    CHECK(count_type(with.answer, "A") >= 1);
    CHECK(count_type(with.answer, "RRSIG") >= 1);
    CHECK(with.has("ad"));  // validated (dnssec: yes by default, the lab's anchor): secure, fresh and cached
    DigResult without = dig(t.port(), "www.alg13.sec", "A");
    INFO(without.output);
    REQUIRE(without.answered);
    CHECK(count_type(without.answer, "A") == count_type(with.answer, "A"));
    CHECK(count_type(without.answer, "RRSIG") == 0);

    DigResult nx = dig(t.port(), "nosuch.nsec3.sec", "A", {"+dnssec"});
    INFO(nx.output);
    REQUIRE(nx.answered);
    CHECK(nx.status == "NXDOMAIN");
    CHECK(count_type(nx.authority, "SOA") == 1);
    CHECK(count_type(nx.authority, "NSEC3") >= 2);  // closest encloser, next closer (RFC 5155 §7.2.2)
    CHECK(count_type(nx.authority, "RRSIG") >= 3);
    DigResult nx_plain = dig(t.port(), "nosuch.nsec3.sec", "A");
    INFO(nx_plain.output);
    REQUIRE(nx_plain.answered);
    CHECK(nx_plain.status == "NXDOMAIN");
    CHECK(nx_plain.authority.size() == 1);
    CHECK(count_type(nx_plain.authority, "SOA") == 1);

    DigResult nodata = dig(t.port(), "www.nsec.sec", "AAAA", {"+dnssec"});
    INFO(nodata.output);
    REQUIRE(nodata.answered);
    CHECK(nodata.status == "NOERROR");
    CHECK(nodata.answer.empty());
    CHECK(count_type(nodata.authority, "NSEC") == 1);
    CHECK(count_type(nodata.authority, "RRSIG") == 2);  // over the SOA and over the NSEC
  }
  SECTION("DS and DNSKEY asked directly are answered with their RRSIGs") {
    DigResult ds = dig(t.port(), "alg13.sec", "DS", {"+dnssec"});
    INFO(ds.output);
    CHECK(count_type(ds.answer, "DS") >= 1);
    CHECK(count_type(ds.answer, "RRSIG") >= 1);
    DigResult keys = dig(t.port(), "alg13.sec", "DNSKEY", {"+dnssec"});
    INFO(keys.output);
    CHECK(count_type(keys.answer, "DNSKEY") >= 1);
    CHECK(count_type(keys.answer, "RRSIG") >= 1);
    DigResult sigs = dig(t.port(), "www.alg13.sec", "RRSIG");  // asked for: no DO needed
    INFO(sigs.output);
    CHECK(count_type(sigs.answer, "RRSIG") >= 1);
  }
}

TEST_CASE("delv validates through ternd with the lab's root DS", "[dnssec-passthrough]") {
  Ternd t;
  TempDir work("dnssec-passthrough");
  const std::string anchor = delv_anchor_file(work.path);
  std::string secure = delv(t, anchor, "www.alg13.sec", "A", work.path + "/secure.log");
  CHECK(secure.find("; fully validated") != std::string::npos);
  std::string nxdomain = delv(t, anchor, "nosuch.nsec.sec", "A", work.path + "/nxdomain.log");
  CHECK(nxdomain.find("; negative response, fully validated") != std::string::npos);
  std::string nodata = delv(t, anchor, "www.nsec3.sec", "AAAA", work.path + "/nodata.log");
  CHECK(nodata.find("; negative response, fully validated") != std::string::npos);
}
