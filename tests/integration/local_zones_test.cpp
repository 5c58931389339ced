// Local zones from the client's side: the built-in special-use and private zones (RFC 6761,
// 6303, 7686, 8375) answered by ternd itself while the lab's names still resolve; the
// operator's local-zone/local-data, changed by SIGHUP; a bad record rejected at its line.
#include <catch2/catch.hpp>

#include "support/eventually.hpp"
#include "support/dig.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"

#include <signal.h>

#include <thread>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {


std::string first_data(const DigResult& r, const std::string& type) {
  auto records = r.answers(type);
  return records.empty() ? "" : records.front().data;
}

std::string soa_owner(const DigResult& r) {
  for (const auto& rr : r.authority)
    if (rr.type == "SOA") return rr.name;
  return "";
}

}  // namespace

TEST_CASE("built-in local zones are answered by ternd, the lab's names still resolve", "[local-zones]") {
  Ternd t;
  for (const char* name : {"localhost", "www.localhost"}) {
    DigResult a = dig(t.port(), name, "A");
    INFO(a.output);
    CHECK(a.status == "NOERROR");
    CHECK(first_data(a, "A") == "127.0.0.1");
    DigResult aaaa = dig(t.port(), name, "AAAA", {"+norec"});  // no recursion needed
    INFO(aaaa.output);
    CHECK(aaaa.status == "NOERROR");
    CHECK(first_data(aaaa, "AAAA") == "::1");
  }
  DigResult ptr = dig(t.port(), "1.0.0.127.in-addr.arpa", "PTR");
  INFO(ptr.output);
  CHECK(first_data(ptr, "PTR") == "localhost.");
  // RFC 6303 reverse zones and the special-use names: NXDOMAIN with the local SOA.
  for (auto [name, zone] : std::vector<std::pair<std::string, std::string>>{
           {"4.3.2.10.in-addr.arpa", "10.in-addr.arpa."},
           {"1.1.168.192.in-addr.arpa", "168.192.in-addr.arpa."},
           {"www.example.test", "test."},
           {"hidden.onion", "onion."},
           {"x.invalid", "invalid."},
           {"printer.home.arpa", "home.arpa."}}) {
    DigResult r = dig(t.port(), name, name.ends_with("arpa") && name.find("home") == std::string::npos ? "PTR" : "A");
    INFO(r.output);
    CHECK(r.status == "NXDOMAIN");
    CHECK(soa_owner(r) == zone);
  }
  DigResult lab = dig(t.port(), "www.example.lab", "A");
  INFO(lab.output);
  CHECK(first_data(lab, "A") == "127.0.0.80");
  DigResult corp = dig(t.port(), "www.glueless.corp", "A");
  INFO(corp.output);
  CHECK(first_data(corp, "A") == "127.0.14.80");
}

TEST_CASE("local-zone and local-data, and a reload that changes them", "[local-zones]") {
  Ternd t(TerndOptions{"local-zone: [\"blocked.lab. refuse\"]\n"
                       "local-data:\n"
                       "  - \"printer.home.arpa. 300 IN A 192.168.1.20\"\n"
                       "  - \"www.example.lab. 60 IN A 10.1.2.3\"\n"});
  DigResult printer = dig(t.port(), "printer.home.arpa", "A");
  INFO(printer.output);
  CHECK(first_data(printer, "A") == "192.168.1.20");
  CHECK(dig(t.port(), "www.blocked.lab", "A").status == "REFUSED");
  // local-data wins over the lab's own answer
  CHECK(first_data(dig(t.port(), "www.example.lab", "A"), "A") == "10.1.2.3");

  // The reverse zone of 10/8 switched off: the query now goes to the lab's root, whose
  // NXDOMAIN carries the root's SOA, not the local one.
  t.rewrite_config("local-zone: [\"10.in-addr.arpa. nodefault\"]\n");
  t.process().signal(SIGHUP);
  // Every check polls: each worker applies the reload on its own thread, and consecutive
  // queries may reach different workers.
  CHECK(eventually([&] { return first_data(dig(t.port(), "www.example.lab", "A"), "A") == "127.0.0.80"; }));
  DigResult reverse;
  CHECK(eventually([&] {
    reverse = dig(t.port(), "4.3.2.10.in-addr.arpa", "PTR");
    return reverse.status == "NXDOMAIN" && soa_owner(reverse) == ".";
  }));
  INFO(reverse.output);
  // the lab has no such name
  CHECK(eventually([&] { return dig(t.port(), "www.blocked.lab", "A").status == "NXDOMAIN"; }));
  CHECK(soa_owner(dig(t.port(), "1.1.168.192.in-addr.arpa", "PTR")) == "168.192.in-addr.arpa.");
}

TEST_CASE("a local-data record that does not parse is an error at its line", "[local-zones][config]") {
  TempDir dir("local");
  std::string config = dir.write("bad.yaml", "listen: [\"127.0.0.1@5399\"]\nlocal-data:\n"
                                             "  - \"ok.home.arpa. A 192.168.1.1\"\n"
                                             "  - \"bad.home.arpa. A 192.168.1\"\n");
  ProcessOptions o;
  o.args = {ternd_path(), "-c", config, "--check-config"};
  o.log_path = dir.path + "/check.log";
  ExitStatus status = run_to_completion(o, 10s);
  std::string output = read_file(o.log_path);
  INFO(output);
  CHECK(status.exited);
  CHECK(status.code == 2);
  CHECK(output.find(config + ":4: local-data: 'bad.home.arpa. A 192.168.1' is not a resource record") !=
        std::string::npos);
}
