// The control channel without sockets: the line protocol, and execute_control against caches
// on a FakeClock (so that remaining TTLs are exact).
#include "helpers.hpp"

#include "daemon/control/control_commands.hpp"
#include "daemon/control/control_protocol.hpp"
#include "daemon/control/control_server.hpp"
#include "daemon/control/metrics.hpp"
#include "daemon/control/ternctl_help.hpp"
#include "resolver/log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace tern;
using namespace tern::daemon;
using namespace tern::test;
using namespace std::chrono_literals;

namespace {

using Words = std::vector<std::string>;

/// Caches and counters as a daemon has them, on a clock the test moves.
struct Fixture {
  cache::FakeClock clock;
  cache::RRsetCache rrsets{1 << 20, cache::HashKey{1, 2}, clock, cache::TtlBounds{}};
  cache::AnswerCache answers{1 << 20, cache::HashKey{1, 2}, clock, cache::TtlBounds{},
                             cache::TtlBounds{0, 3600}};
  cache::InfraCache infra{1 << 20, cache::HashKey{1, 2}, clock};
  DaemonStats worker0, worker1;
  resolver::ResolverStats resolver0, resolver1;
  std::vector<int> signals;
  ControlContext context{rrsets, answers, infra, clock, {&worker0, &worker1},
                         {&resolver0, &resolver1}, [this](int s) { signals.push_back(s); }, {}, {}};

  Fixture() {
    rrsets.insert(rrs({"www.example.lab. 300 IN A 127.56.2.10",
                       "www.example.lab. 300 IN A 127.56.2.11"}),
                  cache::Trust::answer_auth, "127.56.1.1");
    rrsets.insert(rrs({"www.example.lab. 600 IN AAAA 2001:db8::10"}), cache::Trust::answer_auth,
                  "127.56.1.1");
    rrsets.insert(rrs({"example.lab. 3600 IN NS ns1.example.lab."}), cache::Trust::referral,
                  "127.56.0.2");
    rrsets.insert(rrs({"deep.sub.example.lab. 60 IN TXT \"x\""}), cache::Trust::answer_auth,
                  "127.56.1.1");
    rrsets.insert(rrs({"example.org. 300 IN A 192.0.2.1"}), cache::Trust::answer_auth,
                  "127.56.3.1");
    answers.insert(question("www.example.lab"), dns::rcode::noerror,
                   rrs({"www.example.lab. 300 IN A 127.56.2.10"}), {});
    answers.insert(question("nope.example.lab"), dns::rcode::nxdomain, {}, {soa()});
    answers.insert(question("www.example.lab", dns::rrtype::MX), dns::rcode::noerror, {},
                   {soa()});
    infra.store(std::string("\x7f\x38\x01\x01", 4), cache::ServerStats{});
  }

  static dns::Record soa() {
    return rr("example.lab. 3600 IN SOA ns1.example.lab. admin.example.lab. 1 3600 900 "
              "604800 120");
  }

  ControlReply run(const Words& words) { return execute_control(words, context); }
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The value of `key` in key=value output; fails the test when absent.
std::uint64_t stat(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) == 0) return std::stoull(line.substr(key.size() + 1));
  }
  FAIL("no key " << key << " in:\n" << text);
  return 0;
}

}  // namespace

// ---- protocol ----

TEST_CASE("control protocol: request lines split and join", "[control]") {
  std::string error;
  auto words = split_request("cache show www.example.lab. A", error);
  REQUIRE(words);
  CHECK(*words == Words{"cache", "show", "www.example.lab.", "A"});
  CHECK(join_request(*words) == "cache show www.example.lab. A\n");
  CHECK(split_request("stats", error) == Words{"stats"});

  for (std::string bad : {"", " stats", "stats ", "cache  show", "cache\tshow", "stats\r",
                          "cache show caf\xc3\xa9.lab"}) {
    INFO(bad);
    CHECK_FALSE(split_request(bad, error));
    CHECK_FALSE(error.empty());
  }
  std::string longest = "cache show " + std::string(max_request_line - 11, 'a');
  CHECK(split_request(longest, error));
  CHECK_FALSE(split_request(longest + "a", error));
  CHECK(error == "line too long (more than 4096 octets)");

  CHECK_FALSE(join_request({}));
  CHECK_FALSE(join_request({"cache", "show", "a b"}));
  CHECK_FALSE(join_request({"cache", ""}));
  CHECK_FALSE(join_request({"x\n"}));
  Words longest_words{"cache", "show", std::string(max_request_line - 11, 'a')};
  CHECK(join_request(longest_words) == longest + "\n");
  longest_words[2] += 'a';
  CHECK_FALSE(join_request(longest_words));
}

TEST_CASE("control protocol: replies", "[control]") {
  CHECK(format_reply({ControlStatus::ok, "a=1\n"}) == "status 0\na=1\n");
  CHECK(format_reply({ControlStatus::usage, "bad"}) == "status 2\nbad\n");
  CHECK(format_reply({ControlStatus::failed, ""}) == "status 1\n");
  for (ControlReply reply : {ControlReply{ControlStatus::ok, "x\ny\n"},
                             ControlReply{ControlStatus::failed, ""},
                             ControlReply{ControlStatus::usage, "usage\n"}}) {
    CHECK(parse_reply(format_reply(reply)) == reply);
  }
  for (std::string bad : {"", "status", "status 0", "status 3\n", "status 01\n", "Status 0\n",
                          "status -1\n", "hello\n"}) {
    INFO(bad);
    CHECK_FALSE(parse_reply(bad));
  }
}

TEST_CASE("control protocol: command words and arity", "[control]") {
  for (Words ok : {Words{"stats"}, Words{"reload"}, Words{"stop"}, Words{"cache", "dump"},
                   Words{"cache", "flush-all"}, Words{"cache", "show", "x"},
                   Words{"cache", "show", "x", "A"}, Words{"cache", "flush", "x"},
                   Words{"cache", "flush", "x", "MX"}, Words{"cache", "flush-zone", "x"}}) {
    INFO(ok[0]);
    CHECK_FALSE(check_command(ok));
  }
  CHECK(check_command({"frobnicate"}) == "unknown command 'frobnicate'");
  CHECK(check_command({"cache", "purge"}) == "unknown command 'cache purge'");
  CHECK(check_command({"cache"}) == "usage: cache show|flush|flush-zone|flush-all|dump|load");
  CHECK(check_command({"cache", "show"}) == "usage: cache show NAME [TYPE]");
  CHECK(check_command({"cache", "show", "a", "A", "x"}) == "usage: cache show NAME [TYPE]");
  CHECK(check_command({"cache", "flush-zone", "a", "A"}) == "usage: cache flush-zone NAME");
  CHECK(check_command({"stats", "now"}) == "usage: stats");
  CHECK_FALSE(check_command({"trace", "x"}));
  CHECK_FALSE(check_command({"trace", "x", "AAAA"}));
  CHECK(check_command({"trace"}) == "usage: trace NAME [TYPE]");
  CHECK(check_command({"trace", "x", "A", "y"}) == "usage: trace NAME [TYPE]");
  CHECK(check_command({}) == "no command");
  // A typo gets a suggestion from the command table (the config parser's closest_match).
  CHECK(check_command({"relaod"}) == "unknown command 'relaod' (did you mean 'reload'?)");
  CHECK(check_command({"verbosty", "2"}) == "unknown command 'verbosty' (did you mean 'verbosity'?)");
  CHECK(check_command({"cache", "shwo", "x"}) == "unknown command 'cache shwo' (did you mean 'cache show'?)");
  CHECK_FALSE(check_command({"status"}));
  CHECK_FALSE(check_command({"verbosity"}));
  CHECK_FALSE(check_command({"verbosity", "3"}));
  CHECK(check_command({"verbosity", "3", "4"}) == "usage: verbosity [N]");
}

namespace {

/// The command words of a synopsis with sample arguments: "cache show NAME [TYPE]" ->
/// {"cache", "show", "www.example.lab", "A"}.
Words sample_words(const std::string& synopsis) {
  Words words;
  std::istringstream in(synopsis);
  for (std::string word; in >> word;) {
    // "[TYPE]", and "[--binary FILE]" over two words.
    if (word.front() == '[') word.erase(0, 1);
    if (word.back() == ']') word.pop_back();
    if (word == "FILE") word = "/nonexistent/tern-control-test.cache";
    if (word == "NAME") word = "www.example.lab";
    if (word == "TYPE") word = "A";
    if (word == "N") word = "1";
    if (word == "ADDRESS|ZONE") word = "example.lab";
    if (word == "ADDRESS") word = "127.0.0.1";
    words.push_back(word);
  }
  return words;
}

/// The first column of the command lines of a help text ("  cache show NAME [TYPE]   the ...").
std::vector<std::string> help_synopses(const std::string& help) {
  std::vector<std::string> out;
  std::istringstream lines(help);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("  ") || line.size() < 3 || line[2] == ' ' || line[2] == '-') continue;
    auto gap = line.find("  ", 2);
    out.push_back(line.substr(2, gap == std::string::npos ? std::string::npos : gap - 2));
  }
  return out;
}

}  // namespace

TEST_CASE("control: the help texts list exactly the commands of the table", "[control]") {
  const std::vector<std::string> table = control_command_synopses();
  std::vector<std::string> help = help_synopses(std::string(control_commands_help()));
  std::vector<std::string> sorted_table = table;
  std::sort(sorted_table.begin(), sorted_table.end());
  std::sort(help.begin(), help.end());
  CHECK(help == sorted_table);
  // ternctl --help has them all, and its own cache watch.
  std::vector<std::string> ternctl = help_synopses(ternctl_help_text());
  for (const std::string& synopsis : table) {
    INFO(synopsis);
    CHECK(std::count(ternctl.begin(), ternctl.end(), synopsis) == 1);
  }
  CHECK(ternctl.size() == table.size() + 1);
}

TEST_CASE("control: every command of the table is implemented", "[control]") {
  Fixture f;
  const int saved = log::threshold;
  for (const std::string& synopsis : control_command_synopses()) {
    Words words = sample_words(synopsis);
    INFO(synopsis);
    ControlReply reply = f.run(words);
    CHECK(reply.status != ControlStatus::usage);
    CHECK(reply.text.find("not implemented") == std::string::npos);
  }
  log::threshold = saved;
}

TEST_CASE("control: status says what runs", "[control]") {
  Fixture f;
  f.context.started = std::chrono::system_clock::now() - 90s;
  f.context.facts = ProcessFacts{"/etc/tern/ternd.yaml", 2, {"127.0.0.1@53 UDP TCP", "/run/tern/ternd.ctl control"}, 1 << 20};
  ControlReply reply = f.run({"status"});
  CHECK(reply.status == ControlStatus::ok);
  const std::string& text = reply.text;
  CHECK(has(text, "version: "));
  CHECK(has(text, "pid: " + std::to_string(::getpid()) + "\n"));
  CHECK(has(text, "uptime: 9"));  // 90 s, or 91 on a slow machine
  CHECK(has(text, "threads: 2\n"));
  CHECK(has(text, "config-file: /etc/tern/ternd.yaml\n"));
  CHECK(has(text, "listen: 127.0.0.1@53 UDP TCP\n"));
  CHECK(has(text, "listen: /run/tern/ternd.ctl control\n"));
  CHECK(has(text, "cache rrset: 5 entries, "));
  CHECK(has(text, "cache answer: 3 entries, "));
  CHECK(has(text, "cache-fill: "));
  CHECK(has(text, " of 1024 KiB ("));
}

TEST_CASE("control: verbosity reads and sets the log level", "[control]") {
  Fixture f;
  const int saved = log::threshold;
  log::threshold = static_cast<int>(log::Level::notice);
  CHECK(f.run({"verbosity"}).text == "verbosity 1 (notice)\n");
  ControlReply set = f.run({"verbosity", "3"});
  CHECK(set.status == ControlStatus::ok);
  CHECK(log::threshold == static_cast<int>(log::Level::debug));
  CHECK(f.run({"verbosity"}).text == "verbosity 3 (debug)\n");
  CHECK(f.run({"verbosity", "0"}).status == ControlStatus::ok);
  CHECK(log::threshold == static_cast<int>(log::Level::error));
  for (const char* bad : {"6", "-1", "x", "2x"}) {
    INFO(bad);
    ControlReply reply = f.run({"verbosity", bad});
    CHECK(reply.status == ControlStatus::usage);
    CHECK(reply.text == "verbosity is a number from 0 to 5, not '" + std::string(bad) + "'\n");  // short
  }
  log::threshold = saved;
}

TEST_CASE("control: reload reports the outcome it waited for", "[control]") {
  Fixture f;
  CHECK(f.run({"reload"}).text == "reloading\n");  // without a waiter: the signal only
  CHECK(f.signals == std::vector<int>{SIGHUP});
  f.context.reload = [] { return ControlReply{ControlStatus::failed, "/etc/tern/ternd.yaml:3: bad\n"}; };
  ControlReply reply = f.run({"reload"});
  CHECK(reply.status == ControlStatus::failed);
  CHECK(reply.text == "/etc/tern/ternd.yaml:3: bad\n");
  CHECK(f.signals.size() == 1);
}

// ---- commands ----

TEST_CASE("control: cache show lists every entry at a name", "[control]") {
  Fixture f;
  ControlReply reply = f.run({"cache", "show", "WWW.Example.lab"});
  CHECK(reply.status == ControlStatus::ok);
  const std::string& t = reply.text;
  INFO(t);
  CHECK(has(t, "www.example.lab. A rrset\n  rank: answer\n  dnssec: indeterminate\n  original-ttl: 300\n"
               "  remaining-ttl: 300\n  source: 127.56.1.1\n  inserted: "));
  CHECK(has(t, "www.example.lab. AAAA rrset\n"));
  CHECK(has(t, "www.example.lab. A answer\n  rank: -\n  dnssec: indeterminate\n  original-ttl: 300\n"));
  CHECK(has(t, "www.example.lab. MX NODATA\n"));
  CHECK(has(t, "\t300\tIN\tA\t127.56.2.11\n"));
  CHECK(has(t, "\t120\tIN\tSOA\t"));  // the NODATA's SOA: min(TTL, MINIMUM)
  CHECK_FALSE(has(t, "example.org"));
  CHECK_FALSE(has(t, "\nexample.lab. NS"));
  // Inserted at, in ISO 8601 UTC: 2024-05-01T12:00:00Z.
  auto at = t.find("inserted: ");
  REQUIRE(at != std::string::npos);
  std::string stamp = t.substr(at + 10, 20);
  CHECK(stamp[4] == '-');
  CHECK(stamp[10] == 'T');
  CHECK(stamp[19] == 'Z');
  // The rrset comes before the answer-cache entries of the same name and type.
  CHECK(t.find("www.example.lab. A rrset") < t.find("www.example.lab. A answer"));
}

TEST_CASE("control: cache show counts TTLs down on the cache's clock", "[control]") {
  Fixture f;
  f.clock.advance(100s);
  std::string t = f.run({"cache", "show", "www.example.lab.", "A"}).text;
  INFO(t);
  CHECK(has(t, "  original-ttl: 300\n  remaining-ttl: 200\n"));
  CHECK(has(t, "\t200\tIN\tA\t127.56.2.10\n"));
  CHECK_FALSE(has(t, "AAAA"));
  CHECK_FALSE(has(t, "NODATA"));
  f.clock.advance(250s);  // expired, not yet swept: shown as such (serve-stale may use it)
  t = f.run({"cache", "show", "www.example.lab.", "A"}).text;
  CHECK(has(t, "  remaining-ttl: 0 (expired 50 s ago)\n"));
  CHECK(has(t, "\t0\tIN\tA\t127.56.2.10\n"));
}

TEST_CASE("control: cache show of negative answers", "[control]") {
  Fixture f;
  std::string t = f.run({"cache", "show", "nope.example.lab", "AAAA"}).text;
  INFO(t);
  CHECK(has(t, "nope.example.lab. "));
  CHECK(has(t, " NXDOMAIN\n"));  // an NXDOMAIN answers every type of the name
  CHECK(has(t, "  original-ttl: 120\n  remaining-ttl: 120\n"));
  CHECK(has(t, "  source: -\n"));
}

TEST_CASE("control: cache show of nothing, and bad arguments", "[control]") {
  Fixture f;
  CHECK(f.run({"cache", "show", "none.example.lab"}) ==
        ControlReply{ControlStatus::ok, "no cached entries at none.example.lab.\n"});
  CHECK(f.run({"cache", "show", "www.example.lab", "TXT"}).text ==
        "no cached entries at www.example.lab. TXT\n");
  ControlReply bad_name = f.run({"cache", "show", "a..b"});
  CHECK(bad_name.status == ControlStatus::usage);
  // A bad argument of a known command is its message alone: short and specific.
  CHECK(bad_name.text == "'a..b' is not a valid domain name\n");
  ControlReply bad_type = f.run({"cache", "flush", "www.example.lab", "BOGUS"});
  CHECK(bad_type.status == ControlStatus::usage);
  CHECK(has(bad_type.text, "'BOGUS' is not a record type"));
  CHECK(f.run({"cache", "show", std::string(64, 'a') + ".lab"}).status == ControlStatus::usage);
  // Nothing was flushed by the bad command.
  CHECK(has(f.run({"cache", "show", "www.example.lab"}).text, "rrset"));
}

TEST_CASE("control: cache flush of one name", "[control]") {
  Fixture f;
  CHECK(f.run({"cache", "flush", "www.example.lab", "A"}).text ==
        "flushed 1 rrset, 1 answer and 0 failures at www.example.lab. A\n");
  std::string t = f.run({"cache", "show", "www.example.lab"}).text;
  CHECK_FALSE(has(t, " A rrset"));
  CHECK(has(t, " AAAA rrset"));
  CHECK(has(t, " MX NODATA"));
  CHECK(f.run({"cache", "flush", "www.example.lab"}).text ==
        "flushed 1 rrset, 1 answer and 0 failures at www.example.lab.\n");
  CHECK(f.run({"cache", "show", "www.example.lab"}).text ==
        "no cached entries at www.example.lab.\n");
  CHECK(f.run({"cache", "flush", "www.example.lab"}).text ==
        "flushed 0 rrsets, 0 answers and 0 failures at www.example.lab.\n");
  CHECK(has(f.run({"cache", "show", "example.lab"}).text, "NS rrset"));  // the parent stays
}

TEST_CASE("control: cache flush-zone takes the names below, not the infra cache", "[control]") {
  Fixture f;
  CHECK(f.run({"cache", "flush-zone", "sub.example.lab"}).text ==
        "flushed 1 rrset, 0 answers and 0 failures at or below sub.example.lab.\n");
  CHECK(f.run({"cache", "flush-zone", "example.lab"}).text ==
        "flushed 3 rrsets, 3 answers and 0 failures at or below example.lab.\n");
  for (const char* n : {"example.lab", "www.example.lab", "nope.example.lab"}) {
    CHECK(has(f.run({"cache", "show", n}).text, "no cached entries"));
  }
  CHECK(has(f.run({"cache", "show", "example.org"}).text, "rrset"));
  CHECK(f.infra.find(std::string("\x7f\x38\x01\x01", 4)));
  CHECK(stat(f.run({"stats"}).text, "cache.infra.entries") == 1);
}

TEST_CASE("control: remembered failures: counted in stats, forgotten by flush of a name in their zone",
          "[control][failure-cache]") {
  Fixture f;
  cache::FailureCache& failures = f.answers.failures();
  auto name = [](const char* text) { return *dns::Name::from_text(text); };
  failures.record(cache::FailureKey::question(question("www.broken.lab")), 22, "no reachable authority");
  failures.record(cache::FailureKey::zone_of(name("broken.lab")), 22, "no reachable authority");
  failures.record(cache::FailureKey::zone_of(name("other.lab")), 22, "no reachable authority");
  CHECK(failures.find(cache::FailureKey::question(question("www.broken.lab"))));
  std::string s = f.run({"stats"}).text;
  CHECK(stat(s, "cache.failure.entries") == 3);
  CHECK(stat(s, "cache.failure.hits") == 1);
  // The name's own failure and its zone's go; another zone's stays.
  CHECK(f.run({"cache", "flush", "www.broken.lab"}).text ==
        "flushed 0 rrsets, 0 answers and 2 failures at www.broken.lab.\n");
  CHECK_FALSE(failures.find(cache::FailureKey::zone_of(name("broken.lab"))));
  CHECK(failures.find(cache::FailureKey::zone_of(name("other.lab"))));
  CHECK(f.run({"cache", "flush-all"}).text == "flushed 5 rrsets, 3 answers and 1 failure\n");
  CHECK(stat(f.run({"stats"}).text, "cache.failure.entries") == 0);
}

TEST_CASE("control: cache flush-all", "[control]") {
  Fixture f;
  CHECK(f.run({"cache", "flush-all"}).text == "flushed 5 rrsets, 3 answers and 0 failures\n");
  std::string s = f.run({"stats"}).text;
  CHECK(stat(s, "cache.rrset.entries") == 0);
  CHECK(stat(s, "cache.answer.entries") == 0);
  CHECK(stat(s, "cache.infra.entries") == 1);
}

TEST_CASE("control: cache show and cache dump give each entry's DNSSEC state", "[control][dnssec]") {
  Fixture f;
  // The validating walk stores the verdict with the entry; here it is set on the stored entries
  // (made mutable by the caches, make_shared<RRset> / make_shared<CachedAnswer>).
  auto rrset = f.rrsets.find(*dns::Name::from_text("www.example.lab."), dns::rrtype::A);
  REQUIRE(rrset);
  const_cast<cache::RRset&>(*rrset).security = resolver::dnssec::Security::secure;
  auto answer = f.answers.find(question("www.example.lab"));
  REQUIRE(answer);
  const_cast<cache::CachedAnswer&>(*answer->entry).security = resolver::dnssec::Security::bogus;
  auto negative = f.answers.find(question("nope.example.lab"));
  REQUIRE(negative);
  const_cast<cache::CachedAnswer&>(*negative->entry).security = resolver::dnssec::Security::insecure;

  const std::string show = f.run({"cache", "show", "www.example.lab"}).text;
  INFO(show);
  CHECK(has(show, "www.example.lab. A rrset\n  rank: answer\n  dnssec: secure\n"));
  CHECK(has(show, "www.example.lab. AAAA rrset\n  rank: answer\n  dnssec: indeterminate\n"));
  CHECK(has(show, "www.example.lab. A answer\n  rank: -\n  dnssec: bogus\n"));
  CHECK(has(f.run({"cache", "show", "nope.example.lab"}).text, "  dnssec: insecure\n"));

  const std::string dump = f.run({"cache", "dump"}).text;
  INFO(dump);
  CHECK(has(dump, "\n; RRSET www.example.lab. A dnssec=secure\nwww.example.lab.\t300\tIN\tA\t"));
  CHECK(has(dump, "\n; ANSWER www.example.lab. A remaining=300 dnssec=bogus\n"));
  CHECK(has(dump, "\n; NXDOMAIN nope.example.lab. * remaining=120 dnssec=insecure\n"));
}

TEST_CASE("control: cache dump", "[control]") {
  Fixture f;
  f.clock.advance(60s);  // deep.sub.example.lab's TXT (TTL 60) has just expired
  std::string t = f.run({"cache", "dump"}).text;
  INFO(t);
  CHECK(t.rfind("; tern cache dump at ", 0) == 0);
  CHECK(has(t, "\nwww.example.lab.\t240\tIN\tA\t127.56.2.10\n"));
  CHECK(has(t, "\nwww.example.lab.\t540\tIN\tAAAA\t2001:db8::10\n"));
  CHECK(has(t, "\nexample.lab.\t3540\tIN\tNS\tns1.example.lab.\n"));
  CHECK(has(t, "\n; ANSWER www.example.lab. A remaining=240 dnssec=indeterminate\n"));
  CHECK(has(t, "\n; NODATA www.example.lab. MX remaining=60 dnssec=indeterminate\n"));
  CHECK(has(t, "NXDOMAIN nope.example.lab. "));
  CHECK(has(t, " remaining=60 dnssec=indeterminate\n"));
  CHECK(has(t, "\n; RRSET www.example.lab. A dnssec=indeterminate\nwww.example.lab.\t240\tIN\tA\t"));
  CHECK_FALSE(has(t, "deep.sub"));
  CHECK(has(t, "; end of dump: 4 rrsets, 3 answers\n"));
  // Canonical order: example.lab. before www.example.lab., .lab before .org.
  CHECK(t.find("\nexample.lab.\t") < t.find("\nwww.example.lab.\t"));
  CHECK(t.find("www.example.lab.\t") < t.find("example.org."));
  // The RRset cache first, then the answer cache.
  CHECK(t.find("\n; rrset cache\n") < t.find("\nexample.lab.\t"));
  CHECK(t.find("example.org.") < t.find("\n; answer cache\n"));
  CHECK(t.find("\n; answer cache\n") < t.find("; ANSWER"));
  f.clock.advance(60s);  // the negative answers expire too
  t = f.run({"cache", "dump"}).text;
  CHECK_FALSE(has(t, "NXDOMAIN"));
  CHECK_FALSE(has(t, "NODATA"));
  CHECK(has(t, "; end of dump: 4 rrsets, 1 answer\n"));
}

TEST_CASE("control: stats sum the workers", "[control]") {
  Fixture f;
  f.worker0.queries_udp = 5;
  f.worker1.queries_udp = 2;
  f.worker1.queries_tcp = 3;
  f.worker0.queries_tls = 4;
  f.worker0.responses_by_rcode[3] = 4;
  f.worker1.responses_by_rcode[0] = 6;
  f.worker0.cache_hits = 7;
  f.worker1.malformed[static_cast<std::size_t>(dns::WireError::too_many_pointers)] = 2;
  f.worker0.tcp_idle_closed = 1;
  f.resolver0.upstream_queries = 10;
  f.resolver1.upstream_queries = 11;
  f.resolver1.tcp_fallbacks = 1;
  f.resolver0.limit_hits = 2;
  ControlReply reply = f.run({"stats"});
  CHECK(reply.status == ControlStatus::ok);
  const std::string& t = reply.text;
  INFO(t);
  CHECK(stat(t, "workers") == 2);
  CHECK(stat(t, "queries.udp") == 7);
  CHECK(stat(t, "queries.tcp") == 3);
  CHECK(stat(t, "queries.tls") == 4);
  CHECK(stat(t, "queries.total") == 14);
  CHECK(stat(t, "responses.nxdomain") == 4);
  CHECK(stat(t, "responses.noerror") == 6);
  CHECK(stat(t, "responses.rcode15") == 0);
  CHECK(stat(t, "cache.hits") == 7);
  CHECK(stat(t, "cache.misses") == 0);
  CHECK(stat(t, "malformed.too-many-pointers") == 2);
  CHECK(stat(t, "malformed.trailing-data") == 0);
  CHECK_FALSE(has(t, "malformed.none"));
  CHECK(stat(t, "tcp.idle-closed") == 1);
  CHECK(stat(t, "upstream.queries") == 21);
  CHECK(stat(t, "upstream.tcp-fallbacks") == 1);
  CHECK(stat(t, "resolver.limit-hits") == 2);
  CHECK(stat(t, "cache.rrset.entries") == 5);
  CHECK(stat(t, "cache.answer.entries") == 3);
  CHECK(stat(t, "cache.rrset.bytes") > 0);
  CHECK(stat(t, "cache.shards") == stat(t, "cache.rrset.shards") +
                                       stat(t, "cache.answer.shards") +
                                       stat(t, "cache.infra.shards") +
                                       stat(t, "cache.failure.shards"));
  for (const char* key : {"acl.refused", "acl.dropped", "tcp.accepted", "tcp.rejected",
                          "upstream.timeouts", "upstream.unreachable", "upstream.mismatched",
                          "upstream.malformed", "upstream.scrubbed", "upstream.caps-fallbacks",
                          "upstream.badcookie-retries", "resolver.coalesced",
                          "cache.rrset.evictions", "cache.rrset.expired",
                          "cache.answer.contention", "cache.contention"}) {
    stat(t, key);
  }
  // Every line is key=value: monitoring parses it.
  std::istringstream in(t);
  for (std::string line; std::getline(in, line);) {
    INFO(line);
    CHECK(std::count(line.begin(), line.end(), '=') == 1);
  }
}

TEST_CASE("control: stats and the metrics read the in-flight table, the start time and the version",
          "[control][metrics]") {
  Fixture f;
  resolver::InflightTable inflight;
  asio::io_context io;
  resolver::Outcome shared;
  const dns::Question walked = question("www.example.lab");  // join() holds a reference to it
  auto joined = asio::co_spawn(io, inflight.join(walked, io.get_executor(), shared), asio::use_future);
  io.run();
  auto flight = joined.get();
  REQUIRE(flight);  // the first to ask walks: one resolution in flight
  f.context.inflight = &inflight;
  f.context.started = std::chrono::system_clock::time_point(std::chrono::seconds(1765000000));
  const std::string t = f.run({"stats"}).text;
  INFO(t);
  CHECK(stat(t, "resolver.in-flight") == 1);
  CHECK(stat(t, "process.start-time") == 1765000000);
  CHECK(has(t, "\nversion=" TERN_TEST_VERSION "\n"));
  const std::string metrics = render_metrics(f.context);
  CHECK(has(metrics, "\nternd_resolutions_in_flight 1\n"));
  CHECK(has(metrics, "\nprocess_start_time_seconds 1765000000\n"));
  CHECK(has(metrics, "\nternd_build_info{version=\"" TERN_TEST_VERSION "\"} 1\n"));
  flight->finish(resolver::Outcome{});
  CHECK(stat(f.run({"stats"}).text, "resolver.in-flight") == 0);
}

TEST_CASE("control: reload and stop signal the daemon", "[control]") {
  Fixture f;
  CHECK(f.run({"reload"}) == ControlReply{ControlStatus::ok, "reloading\n"});
  CHECK(f.run({"stop"}) == ControlReply{ControlStatus::ok, "stopping\n"});
  CHECK(f.signals == std::vector<int>{SIGHUP, SIGTERM});
  f.context.raise_signal = nullptr;
  CHECK(f.run({"reload"}).status == ControlStatus::failed);
}

TEST_CASE("control: log-reopen reopens the query log, or says why not", "[control]") {
  Fixture f;
  CHECK(f.run({"log-reopen"}) == ControlReply{ControlStatus::failed, "not supported here\n"});
  int reopened = 0;
  f.context.reopen_logs = [&reopened] {
    ++reopened;
    return std::string();
  };
  CHECK(f.run({"log-reopen"}) == ControlReply{ControlStatus::ok, "logs reopened\n"});
  CHECK(reopened == 1);
  f.context.reopen_logs = [] { return std::string("query-log: cannot open '/x/q.log': Permission denied"); };
  CHECK(f.run({"log-reopen"}) ==
        ControlReply{ControlStatus::failed, "query-log: cannot open '/x/q.log': Permission denied\n"});
  CHECK(f.run({"log-reopen", "now"}).status == ControlStatus::usage);
}

TEST_CASE("control: trace prints the walk's hops and the cost of a cache hit", "[control]") {
  Fixture f;
  CHECK(f.run({"trace", "www.example.lab"}).status == ControlStatus::failed);  // no worker to walk on
  CHECK(f.run({"trace", "bad..name"}).status == ControlStatus::usage);
  CHECK(f.run({"trace", "x", "NOSUCHTYPE"}).status == ControlStatus::usage);
  std::vector<dns::Question> asked;
  f.context.trace = [&](const dns::Question& q) {
    asked.push_back(q);
    resolver::TraceResult r;
    r.outcome.rcode = dns::rcode::noerror;
    r.outcome.answer = rrs({"www.example.lab. 300 IN A 127.56.2.10"});
    r.hops.push_back({dns::Name(), "127.56.0.1", question("example.lab"), "udp", 20000us, 20500us,
                      "referral to example.lab.", 0});
    r.hops.push_back({*dns::Name::from_text("example.lab"), "127.56.1.1", question("www.example.lab"), "udp+tcp",
                      160000us, 181000us, "answer", 0});
    r.hops.back().after = 0;  // sent after the referral: the second step of one chain
    r.outcome.upstream_queries = 2;
    r.total = 181200us;
    std::promise<resolver::TraceResult> p;
    p.set_value(std::move(r));
    return p.get_future();
  };
  ControlReply reply = f.run({"trace", "WWW.example.lab"});
  INFO(reply.text);
  CHECK(reply.status == ControlStatus::ok);
  REQUIRE(asked.size() == 1);
  CHECK(asked[0] == question("www.example.lab"));
  // Columns: #, after, step (round trips in sequence so far), at-ms, zone, server, via, rtt-ms.
  CHECK(has(reply.text, "  1     -    1      20.5 .                    127.56.0.1"));
  CHECK(has(reply.text, "referral to example.lab.\n"));
  CHECK(has(reply.text, "  2     1    3     181.0 example.lab.         127.56.1.1"));
  CHECK(has(reply.text, "outcome: NOERROR\n  www.example.lab.\t300\tIN\tA\t127.56.2.10\n"));
  CHECK(has(reply.text, "exchanges: 2 sent (0 more shared an identical exchange in flight, 1 retried over TCP)\n"));
  CHECK(has(reply.text, "critical path: 3 round trips in sequence"));
  CHECK(has(reply.text, "cache hit: 0 round trips, "));
  CHECK(has(reply.text, "remaining TTL 300 s)"));
  f.run({"trace", "www.example.lab", "AAAA"});
  CHECK(asked.back() == question("www.example.lab", dns::rrtype::AAAA));
  CHECK(has(f.run({"trace", "nope.example.org"}).text, "cache: not cached now"));
}

TEST_CASE("control: trace tells the chain of trust, validation's round trips and the verdict", "[control]") {
  Fixture f;
  const dns::Name sec = *dns::Name::from_text("sec");
  const dns::Name alg13 = *dns::Name::from_text("alg13.sec");
  using resolver::dnssec::Security;
  f.context.trace = [&](const dns::Question&) {
    resolver::TraceResult r;
    r.outcome.rcode = dns::rcode::noerror;
    r.outcome.security = Security::bogus;
    r.outcome.ede = 7;
    r.outcome.ede_text = "www.alg13.sec. A: RRSIG 13/4242 expired";
    r.hops.push_back({dns::Name(), "127.56.0.1", question("sec"), "udp", 1000us, 1000us, "referral to sec.", 0});
    r.hops.push_back({sec, "127.56.1.1", question("www.alg13.sec"), "udp", 1000us, 2000us, "answer", 0});
    r.hops.back().after = 0;
    // Validation's: the DNSKEY sets of the root and of alg13.sec., one after the other.
    r.hops.push_back({dns::Name(), "127.56.0.1", question(".", dns::rrtype::DNSKEY), "udp", 1000us, 3000us,
                      "answer", 0});
    r.hops.back().after = 1;
    r.hops.back().dnssec = true;
    r.hops.push_back({alg13, "127.56.1.1", question("alg13.sec", dns::rrtype::DNSKEY), "udp", 1000us, 4000us,
                      "answer", 0});
    r.hops.back().after = 2;
    r.hops.back().dnssec = true;
    r.outcome.upstream_queries = 4;
    resolver::ChainLink root{dns::Name(), "anchor", {"20326/8 ksk", "1111/8"},
                             resolver::dnssec::Verdict{Security::secure, 0, {}}, {}};
    root.signed_sets.push_back({"alg13.sec. DS", 1111, 8, {Security::secure, 0, {}}});
    r.chain.push_back(root);
    resolver::ChainLink child{alg13, "referral", {"4242/13"}, resolver::dnssec::Verdict{Security::secure, 0, {}}, {}};
    child.signed_sets.push_back({"www.alg13.sec. A", 4242, 13, {Security::bogus, 7, r.outcome.ede_text}});
    r.chain.push_back(child);
    std::promise<resolver::TraceResult> p;
    p.set_value(std::move(r));
    return p.get_future();
  };
  ControlReply reply = f.run({"trace", "www.alg13.sec"});
  INFO(reply.text);
  CHECK(reply.status == ControlStatus::ok);
  CHECK(has(reply.text, "answer [DNSSEC]\n"));
  CHECK(has(reply.text, "chain of trust:\n  zone .: DS anchor; DNSKEY 20326/8 ksk, 1111/8; secure\n"
                        "    alg13.sec. DS: signed by key 1111 alg 8, secure\n"
                        "  zone alg13.sec.: DS referral; DNSKEY 4242/13; secure\n"
                        "    www.alg13.sec. A: signed by key 4242 alg 13, bogus (EDE 7: www.alg13.sec. A: RRSIG 13/4242 expired)\n"));
  CHECK(has(reply.text, "outcome: NOERROR, DNSSEC bogus (a client without CD=1 gets SERVFAIL) (EDE 7: "));
  CHECK(has(reply.text, "exchanges: 4 sent (0 more shared an identical exchange in flight, 0 retried over TCP), "
                        "of which 2 for DNSSEC validation\n"));
  CHECK(has(reply.text, "critical path: 4 round trips in sequence"));
  CHECK(has(reply.text, "; 2 of the round trips for DNSSEC validation\n"));
}

TEST_CASE("control: unknown commands get the usage text", "[control]") {
  Fixture f;
  for (Words bad : {Words{"frobnicate"}, Words{"cache"}, Words{"cache", "purge"},
                    Words{"stats", "extra"}, Words{"cache", "show"}, Words{}}) {
    ControlReply reply = f.run(bad);
    CHECK(reply.status == ControlStatus::usage);
    CHECK(has(reply.text, "commands:\n"));
    CHECK(has(reply.text, "  stats "));
  }
  CHECK(f.run({"frobnicate"}).text.rfind("unknown command 'frobnicate'\n", 0) == 0);
  CHECK(f.signals.empty());
}

// ---- the server, in-process on a unix socket in a private directory ----

namespace {

/// Sends `data` on a fresh connection to `path` and returns all the server sent back.
std::string ctl_exchange(const std::string& path, const std::string& data) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()));
  ::shutdown(fd, SHUT_WR);
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) out.append(buffer, n);
  ::close(fd);
  return out;
}

}  // namespace

TEST_CASE("control server: one line in, status and text out", "[control][socket]") {
  std::string pattern = (std::filesystem::temp_directory_path() / "tern-ctl-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  std::filesystem::path dir = pattern;
  std::string path = (dir / "run" / "ctl.sock").string();  // the directory is created
  {
    ControlServer server(path, [](const Words& words, const ControlPeer& peer) {
      // The peer is this process: SO_PEERCRED of the test's own connection.
      if (words[0] == "peer") return ControlReply{ControlStatus::ok, std::to_string(peer.pid == ::getpid())};
      std::string text;
      for (const auto& w : words) text += "<" + w + ">";
      return ControlReply{words[0] == "fail" ? ControlStatus::failed : ControlStatus::ok, text};
    });
    REQUIRE(server.start());
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat((dir / "run").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0755);
    CHECK(control_socket_answers(path));

    CHECK(ctl_exchange(path, "cache show x.lab\n") == "status 0\n<cache><show><x.lab>\n");
    CHECK(ctl_exchange(path, "peer\n") == "status 0\n1\n");
    CHECK(ctl_exchange(path, "fail now\n") == "status 1\n<fail><now>\n");
    CHECK(ctl_exchange(path, "a  b\n") == "status 2\nwords must be separated by single spaces\n");
    CHECK(ctl_exchange(path, std::string(5000, 'a') + "\n") ==
          "status 2\nline too long (more than 4096 octets)\n");
    CHECK(ctl_exchange(path, "stats") == "status 2\nthe request line has no final newline\n");

    // A second server must not take over a live socket.
    ControlServer second(path, [](const Words&) { return ControlReply{}; });
    CHECK_FALSE(second.start());
    CHECK(second.error().find("already accepts") != std::string::npos);
    CHECK(ctl_exchange(path, "still\n") == "status 0\n<still>\n");
    server.stop();
    CHECK_FALSE(std::filesystem::exists(path));  // removed on stop
  }
  {
    // A leftover socket file that nobody accepts on is replaced.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.data(), path.size());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::close(fd);
    CHECK_FALSE(control_socket_answers(path));
    ControlServer server(path, [](const Words&) { return ControlReply{ControlStatus::ok, "hi"}; });
    REQUIRE(server.start());
    CHECK(ctl_exchange(path, "x\n") == "status 0\nhi\n");
  }
  {
    // Anything else at the path is left alone, and the server does not start.
    std::string file = (dir / "plain").string();
    std::ofstream(file) << "data";
    ControlServer server(file, [](const Words&) { return ControlReply{}; });
    CHECK_FALSE(server.start());
    CHECK(server.error().find("is not a socket") != std::string::npos);
    CHECK(std::filesystem::file_size(file) == 4);
  }
  std::filesystem::remove_all(dir);
}

// ---- remembered failures and the infra cache, as the operator sees them ----

TEST_CASE("control: cache show lists the failures that answer a name, cache dump has them as comments",
          "[control][failure-cache]") {
  Fixture f;
  cache::FailureCache& failures = f.answers.failures();  // bounds 1..60 s
  auto name = [](const char* text) { return *dns::Name::from_text(text); };
  failures.record(cache::FailureKey::question(question("www.broken.lab")), 22, "no reachable authority for broken.lab.");
  failures.record(cache::FailureKey::zone_of(name("broken.lab")), 22, "every server of broken.lab. REFUSED");
  failures.record(cache::FailureKey::zone_of(name("other.lab")), 23, "unreachable");
  std::string t = f.run({"cache", "show", "www.broken.lab"}).text;
  INFO(t);
  CHECK(has(t, "broken.lab. * zone-failure\n  scope: zone (every name at or below it fails without a query)\n"
               "  reason: every server of broken.lab. REFUSED (EDE 22)\n  remaining: 1 s of 1\n"
               "  failures: 1 in a row\n  next-backoff: 2 s\n"));
  CHECK(has(t, "www.broken.lab. A failure\n  scope: question\n"
               "  reason: no reachable authority for broken.lab. (EDE 22)\n  remaining: 1 s of 1\n"));
  CHECK_FALSE(has(t, "other.lab"));
  CHECK_FALSE(has(t, "no cached entries"));
  // The zone's failure answers every name below it; a type filters the question's.
  CHECK(has(f.run({"cache", "show", "mail.broken.lab"}).text, "broken.lab. * zone-failure"));
  CHECK_FALSE(has(f.run({"cache", "show", "www.broken.lab", "AAAA"}).text, "www.broken.lab. A failure"));
  // Data and failures together: the data first.
  failures.record(cache::FailureKey::question(question("www.example.lab", dns::rrtype::TXT)), 22, "timeout");
  t = f.run({"cache", "show", "www.example.lab"}).text;
  CHECK(has(t, "www.example.lab. TXT failure"));
  CHECK(t.find(" rrset\n") < t.find("TXT failure"));

  std::string dump = f.run({"cache", "dump"}).text;
  INFO(dump);
  CHECK(has(dump, "\n; failure cache (RFC 9520): answered SERVFAIL without a query\n"));
  CHECK(has(dump, "\n; ZONE-FAILURE broken.lab. * remaining=1 failures=1 reason=every server of broken.lab. REFUSED (EDE 22)\n"));
  CHECK(has(dump, "\n; FAILURE www.broken.lab. A remaining=1 failures=1 reason=no reachable authority for broken.lab. (EDE 22)\n"));
  CHECK(has(dump, "\n; ZONE-FAILURE other.lab. * remaining=1 failures=1 reason=unreachable (EDE 23)\n"));
  // Failing again while remembered (within the back-off window) doubles the TTL.
  f.clock.advance(std::chrono::milliseconds(1500));
  failures.record(cache::FailureKey::zone_of(name("broken.lab")), 22, "every server of broken.lab. REFUSED");
  t = f.run({"cache", "show", "broken.lab"}).text;
  CHECK(has(t, "broken.lab. * zone-failure\n"));
  CHECK(has(t, "  remaining: 2 s of 2\n  failures: 2 in a row\n  next-backoff: 4 s\n"));
  // Past its time a question's failure is shown as over, and left out of the dump.
  CHECK(has(f.run({"cache", "show", "www.broken.lab", "A"}).text, "remaining: 0 s of 1 (over: the next query asks again)"));
  CHECK_FALSE(has(f.run({"cache", "dump"}).text, "; FAILURE www.broken.lab."));
}

TEST_CASE("control: infra show and infra flush", "[control][infra]") {
  Fixture f;
  const std::string ns1("\x7f\x38\x01\x01", 4);  // 127.56.1.1
  const std::string ns2("\x7f\x38\x01\x02", 4);
  cache::ServerStats s;
  s.srtt_us = 12500;
  s.rttvar_us = 3000;
  s.queries = 9;
  s.failures = 3;
  s.timeouts = 2;
  s.consecutive_failures = 3;
  s.backoff_until = f.clock.now() + 4s;
  s.edns_unsupported = true;
  s.no_caps_for_id = true;
  s.client_cookie = std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  f.infra.store(ns2, s);
  std::string t = f.run({"infra", "show"}).text;
  INFO(t);
  CHECK(has(t, "127.56.1.1\n  srtt: unknown, rttvar 0.0 ms\n"));
  CHECK(has(t, "127.56.1.2\n  srtt: 12.5 ms, rttvar 3.0 ms\n"));
  CHECK(has(t, "  queries: 9, failures: 3 (timeouts 2), consecutive: 3\n  backoff: 4 s left\n"
               "  edns: no (answered FORMERR to EDNS: asked without)\n  tcp: no failed retry\n"
               "  0x20: no (does not echo the case: asked without)\n"
               "  cookie: client 0102030405060708, server none\n  expires: 900 s (then measured afresh)\n"));
  CHECK(t.find("127.56.1.1\n") < t.find("127.56.1.2\n"));
  // One address.
  t = f.run({"infra", "show", "127.56.1.2"}).text;
  CHECK(t.rfind("127.56.1.2\n  srtt: 12.5 ms", 0) == 0);
  CHECK_FALSE(has(t, "127.56.1.1"));
  CHECK(has(f.run({"infra", "show", "192.0.2.9"}).text, "192.0.2.9\n  never asked (or forgotten)\n"));
  // A zone: its cached NS set, their addresses, each server's state.
  f.rrsets.insert(rrs({"ns1.example.lab. 3600 IN A 127.56.1.1", "ns1.example.lab. 3600 IN A 127.56.1.2"}),
                  cache::Trust::glue, "127.56.0.2");
  t = f.run({"infra", "show", "example.lab"}).text;
  CHECK(t.rfind("zone example.lab.: 1 NS, 2 addresses known\n", 0) == 0);
  CHECK(has(t, "\n127.56.1.1 (ns1.example.lab.)\n"));
  CHECK(has(t, "\n127.56.1.2 (ns1.example.lab.)\n  srtt: 12.5 ms"));
  CHECK(has(f.run({"infra", "show", "nowhere.lab"}).text, "no cached NS set for nowhere.lab."));
  // Bad arguments are usage errors.
  auto bad = f.run({"infra", "show", "a..b"});
  CHECK(bad.status == ControlStatus::usage);
  CHECK(has(bad.text, "'a..b' is neither an address nor a zone name"));
  CHECK(f.run({"infra", "flush", "ns1.example.lab"}).status == ControlStatus::usage);
  CHECK(f.run({"infra"}).status == ControlStatus::usage);
  CHECK(f.run({"infra", "show", "a", "b"}).status == ControlStatus::usage);
  // Flush one, then all; the data caches keep theirs.
  CHECK(f.run({"infra", "flush", "127.56.1.2"}).text == "flushed 1 server at 127.56.1.2\n");
  CHECK_FALSE(f.infra.find(ns2));
  CHECK(f.infra.find(ns1));
  CHECK(f.run({"infra", "flush"}).text == "flushed 1 server\n");
  CHECK(f.run({"infra", "show"}).text == "no servers known\n");
  CHECK(stat(f.run({"stats"}).text, "cache.rrset.entries") == 6);
}
