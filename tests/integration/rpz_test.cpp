// Response policy zones from the client's side: a zone file whose every action dig sees
// (NXDOMAIN, NODATA, PASSTHRU, DROP, TCP-only, local data and a walled garden, a response-IP
// trigger), each with its EDE; a bad file that keeps the policy in force and names its line; a
// zone transferred from NSD (started here, by pid, on the lab's network) and transferred
// again after the primary changed and sent NOTIFY. `ternctl rpz` shows serials and hits.
#include <catch2/catch.hpp>

#include "support/sourced_udp.hpp"
#include "support/dig.hpp"
#include "support/eventually.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"

#include <signal.h>

#include <fstream>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

const char* const policy_head =
    "$ORIGIN rpz.file.\n"
    "$TTL 30\n"
    "@ SOA ns.rpz.file. admin.rpz.file. 1 3600 600 86400 30\n"
    "@ NS ns.rpz.file.\n";

const char* const policy_body =
    "blocked.example.lab CNAME .\n"
    "nodata.example.lab CNAME *.\n"
    "*.example.lab CNAME .\n"
    "www.example.lab CNAME rpz-passthru.\n"
    "drop.example.lab CNAME rpz-drop.\n"
    "tcp.example.lab CNAME rpz-tcp-only.\n"
    "garden.example.lab CNAME www.example.lab.\n"
    "local.example.lab A 10.10.10.10\n"
    "32.80.14.0.127.rpz-ip CNAME *.\n";

/// The EDE line dig prints ("; EDE: 15 (Blocked): (rpz rpz.file.)"), or "" when none.
std::string ede_line(const DigResult& r) {
  const auto at = r.output.find("; EDE: ");
  if (at == std::string::npos) return "";
  return r.output.substr(at + 7, r.output.find('\n', at) - at - 7);
}

struct ControlledTernd {
  std::string dir = make_temp_dir("rpz");
  Ternd ternd;
  explicit ControlledTernd(const std::string& extra)
      : ternd(TerndOptions{"control-socket: " + dir + "/ternd.ctl\n" + extra}) {}
  std::string ternctl(const std::vector<std::string>& words) {
    std::vector<std::string> args{ternctl_path(), "-s", dir + "/ternd.ctl"};
    args.insert(args.end(), words.begin(), words.end());
    const std::string log = dir + "/ternctl.out";
    std::ofstream(log, std::ios::trunc).close();
    run_to_completion(ProcessOptions{args, log, {}, true}, 10s);
    return read_file(log);
  }
};

/// NSD serving one policy zone on the lab's network, with zone transfers allowed to loopback
/// and NOTIFY sent to `notify_port` on 127.0.0.1 from the server's own address.
class PolicyPrimary {
 public:
  PolicyPrimary(const std::string& zone_text, std::uint16_t port, std::uint16_t notify_port)
      : dir_(make_temp_dir("rpz-nsd")), address_(lab_net() + ".250.1"), port_(port) {
    write_zone(zone_text);
    std::ofstream(dir_ + "/nsd.conf") << "server:\n"
                                         "    ip-address: " << address_ << "\n"
                                         "    port: " << port_ << "\n"
                                         "    do-ip6: no\n    username: \"\"\n    chroot: \"\"\n"
                                         "    zonesdir: \"" << dir_ << "\"\n"
                                         "    pidfile: \"" << dir_ << "/nsd.pid\"\n"
                                         "    database: \"\"\n"
                                         "    zonelistfile: \"" << dir_ << "/zone.list\"\n"
                                         "    xfrdfile: \"" << dir_ << "/xfrd.state\"\n"
                                         "    xfrdir: \"" << dir_ << "\"\n"
                                         "    zonefiles-write: 0\n"
                                         "    logfile: \"" << dir_ << "/nsd.log\"\n"
                                         "    server-count: 1\n    verbosity: 1\n"
                                         "remote-control:\n    control-enable: no\n"
                                         "zone:\n    name: \"rpz.nsd.\"\n    zonefile: \"rpz.nsd.zone\"\n"
                                         "    provide-xfr: 127.0.0.0/8 NOKEY\n"
                                         "    outgoing-interface: " << address_ << "\n"
                                         "    notify: 127.0.0.1@" << notify_port << " NOKEY\n";
    process_ = std::make_unique<Process>(
        ProcessOptions{{"/usr/sbin/nsd", "-d", "-c", dir_ + "/nsd.conf"}, dir_ + "/nsd.out", {}, true});
    const bool up = eventually([&] {
      return shell("dig +short +time=1 +tries=1 @" + address_ + " -p " + std::to_string(port_) + " rpz.nsd. SOA")
                 .find("admin") != std::string::npos;
    }, 10s);
    INFO(read_file(dir_ + "/nsd.log"));
    REQUIRE(up);
  }
  void write_zone(const std::string& text) { std::ofstream(dir_ + "/rpz.nsd.zone", std::ios::trunc) << text; }
  /// NSD re-reads changed zone files on SIGHUP and notifies its secondaries.
  void reload() { process_->signal(SIGHUP); }
  std::string endpoint() const { return address_ + "@" + std::to_string(port_); }
  std::string log() const { return read_file(dir_ + "/nsd.log"); }

 private:
  std::string dir_, address_;
  std::uint16_t port_;
  std::unique_ptr<Process> process_;
};

std::string nsd_zone(int serial, const std::string& body) {
  return "$ORIGIN rpz.nsd.\n$TTL 30\n@ SOA ns.rpz.nsd. admin.rpz.nsd. " + std::to_string(serial) +
         " 3600 600 86400 30\n@ NS ns.rpz.nsd.\n" + body;
}

}  // namespace

TEST_CASE("rpz from a file: every action as dig sees it, EDE, ternctl rpz, a bad file kept out", "[rpz]") {
  const std::string dir = make_temp_dir("rpz-file");
  const std::string file = dir + "/policy.rpz";
  std::ofstream(file) << policy_head << policy_body;
  ControlledTernd c("rpz:\n  - name: rpz.file.\n    file: " + file + "\n    ede: filtered\n");
  const std::uint16_t port = c.ternd.port();

  DigResult nx = dig(port, "blocked.example.lab", "A");
  INFO(nx.output);
  CHECK(nx.status == "NXDOMAIN");
  CHECK(ede_line(nx).starts_with("17 (Filtered)"));
  DigResult wildcard = dig(port, "anything.example.lab", "A");
  CHECK(wildcard.status == "NXDOMAIN");
  DigResult nodata = dig(port, "nodata.example.lab", "A");
  INFO(nodata.output);
  CHECK(nodata.status == "NOERROR");
  CHECK(nodata.answer.empty());
  CHECK(ede_line(nodata).starts_with("17"));
  // PASSTHRU: the exact name beats the wildcard and resolves as usual, without an EDE.
  DigResult pass = dig(port, "www.example.lab", "A");
  INFO(pass.output);
  REQUIRE(pass.answers("A").size() == 1);
  CHECK(pass.answers("A")[0].data == "127.0.0.80");
  CHECK(ede_line(pass).empty());
  DigResult drop = dig(port, "drop.example.lab", "A", {}, 1, 1);
  CHECK_FALSE(drop.answered);
  DigResult tcp_only = dig(port, "tcp.example.lab", "A", {"+ignore"});
  INFO(tcp_only.output);
  CHECK(tcp_only.has("tc"));
  CHECK(tcp_only.answer.empty());
  DigResult over_tcp = dig(port, "tcp.example.lab", "A", {"+tcp"});
  INFO(over_tcp.output);
  CHECK_FALSE(over_tcp.has("tc"));
  DigResult local = dig(port, "local.example.lab", "A");
  INFO(local.output);
  REQUIRE(local.answers("A").size() == 1);
  CHECK(local.answers("A")[0].data == "10.10.10.10");
  DigResult garden = dig(port, "garden.example.lab", "A");
  INFO(garden.output);
  REQUIRE(garden.answers("CNAME").size() == 1);
  CHECK(garden.answers("CNAME")[0].data == "www.example.lab.");
  REQUIRE(garden.answers("A").size() == 1);
  CHECK(garden.answers("A")[0].data == "127.0.0.80");
  // Response IP: www.glueless.corp is 127.0.14.80 in the lab; asked twice, the second from
  // the cache (the hit path leaves it to the policy too).
  for (int i = 0; i < 2; ++i) {
    DigResult by_ip = dig(port, "www.glueless.corp", "A");
    INFO(by_ip.output);
    CHECK(by_ip.status == "NOERROR");
    CHECK(by_ip.answers("A").empty());
    CHECK(ede_line(by_ip).starts_with("17"));
  }
  const std::string status = c.ternctl({"rpz"});
  INFO(status);
  CHECK(status.find("zone: rpz.file.") != std::string::npos);
  CHECK(status.find("serial: 1") != std::string::npos);
  CHECK(status.find("records: 11") != std::string::npos);
  CHECK(status.find("qname=") != std::string::npos);
  CHECK(status.find("response-ip=2") != std::string::npos);

  // A bad file: the reload names its line and the policy in force stays.
  std::ofstream(file, std::ios::trunc) << policy_head << "new.example.lab CNAME .\nbroken.example.lab A 300.1.1.1\n";
  const std::string reloaded = c.ternctl({"rpz", "reload"});
  INFO(reloaded);
  CHECK(reloaded.find(file + ":6:") != std::string::npos);
  CHECK(dig(port, "blocked.example.lab", "A").status == "NXDOMAIN");
  CHECK(dig(port, "local.example.lab", "A").answers("A").size() == 1);
  CHECK(c.ternctl({"rpz"}).find("error: " + file + ":6:") != std::string::npos);
  // Fixed: the new contents apply.
  std::ofstream(file, std::ios::trunc) << policy_head << "new.example.lab CNAME .\n";
  CHECK(c.ternctl({"rpz", "reload"}).find("reloaded") != std::string::npos);
  CHECK(dig(port, "new.example.lab", "A").status == "NXDOMAIN");
  CHECK(dig(port, "local.example.lab", "A").status != "NOERROR");  // its trigger is gone: the lab's NXDOMAIN
}

TEST_CASE("rpz on a CNAME chain: a trigger on a link rewrites the answer, from the cache too; a chain no trigger names is answered from the cache", "[rpz]") {
  const std::string dir = make_temp_dir("rpz-chain");
  const std::string file = dir + "/policy.rpz";
  // hop.shop.lab is link 3 of www.chain.lab's chain (zones/lab/chain.lab.zone); ftp.example.lab
  // is an in-zone CNAME to www.example.lab, which no trigger names.
  std::ofstream(file) << policy_head << "hop.shop.lab CNAME .\n";
  ControlledTernd c("rpz:\n  - name: rpz.file.\n    file: " + file + "\n");
  const std::uint16_t port = c.ternd.port();
  for (int i = 0; i < 2; ++i) {  // the second from the cache: the hit path reads the chain's targets
    DigResult chain = dig(port, "www.chain.lab", "A");
    INFO(chain.output);
    CHECK(chain.status == "NXDOMAIN");
  }
  REQUIRE(dig(port, "ftp.example.lab", "A").answers("A").size() == 1);
  const std::string socket = c.dir + "/ternd.ctl";
  const std::uint64_t hits = stat(socket, c.dir, "cache.hits");
  DigResult again = dig(port, "ftp.example.lab", "A");
  INFO(again.output);
  REQUIRE(again.answers("CNAME").size() == 1);
  CHECK(again.answers("A").size() == 1);
  CHECK(stat(socket, c.dir, "cache.hits") == hits + 1);
}

TEST_CASE("rpz transferred from NSD: AXFR, then a transfer on NOTIFY after the primary changed", "[rpz]") {
  const std::uint16_t nsd_port = allocate_port();
  const std::string endpoint = lab_net() + ".250.1@" + std::to_string(nsd_port);
  ControlledTernd c("rpz:\n  - name: rpz.nsd.\n    primaries: [\"" + endpoint + "\"]\n    ede: censored\n");
  const std::uint16_t port = c.ternd.port();
  PolicyPrimary primary(nsd_zone(1, "www.shop.lab CNAME .\n"), nsd_port, port);
  // ternd's first try found no server; ask again now rather than wait for the retry.
  c.ternctl({"rpz", "reload"});
  const bool transferred = eventually([&] { return dig(port, "www.shop.lab", "A").status == "NXDOMAIN"; }, 10s);
  INFO(c.ternctl({"rpz"}));
  INFO(c.ternd.log());
  REQUIRE(transferred);
  CHECK(ede_line(dig(port, "www.shop.lab", "A")).starts_with("16 (Censored)"));
  std::string status = c.ternctl({"rpz"});
  CHECK(status.find("serial: 1") != std::string::npos);
  CHECK(status.find("AXFR from " + endpoint) != std::string::npos);
  CHECK(dig(port, "www.example.lab", "A").answers("A").size() == 1);

  // The primary changes; its NOTIFY (from its own address) starts the next transfer, an IXFR
  // (NSD 4.6 in Debian 12 answers it with the whole zone: it serves IXFR only from 4.7 on).
  primary.write_zone(nsd_zone(2, "www.example.lab CNAME *.\n"));
  primary.reload();
  const bool changed = eventually([&] { return dig(port, "www.example.lab", "A").answers("A").empty(); }, 10s);
  status = c.ternctl({"rpz"});
  INFO(status);
  INFO(primary.log());
  REQUIRE(changed);
  CHECK(status.find("serial: 2") != std::string::npos);
  CHECK(status.find("IXFR") != std::string::npos);
  CHECK(c.ternd.log().find("NOTIFY from " + lab_net() + ".250.1") != std::string::npos);
  DigResult again = dig(port, "www.shop.lab", "A");  // its trigger is gone: the lab's answer
  INFO(again.output);
  REQUIRE(again.answers("A").size() == 1);
  CHECK(again.answers("A")[0].data == "127.0.11.80");
}
