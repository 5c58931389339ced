// failover_probe: asks a resolver for A records through c-ares, the way an application does,
// once per interval, and prints one line per answer:
//
//   SECONDS NAME ADDRESS TTL STATUS
//
// SECONDS since --since (a Unix time, the switch at the authority; default: the start), ADDRESS
// the answer's addresses joined by ',' ("-" when there is none), TTL the first record's remaining
// TTL ("-" when none), STATUS c-ares' name for the outcome ("ok" for ARES_SUCCESS). It stops when
// every NAME=NEW has been answered NEW (converged), or after --bound seconds; --once asks each
// name once. Exit status: 0 converged (or --once with every name answered), 1 otherwise, 2 usage.
// Used by zones/lab.sh failover; see zones/README.md.
#include <CLI/CLI.hpp>
#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <sys/select.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Answer {
  bool done = false;
  std::string addresses = "-";
  std::string ttl = "-";
  std::string status = "-";
};

void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* buffer, int length) {
  auto* out = static_cast<Answer*>(arg);
  out->done = true;
  if (status != ARES_SUCCESS) {
    out->status = ares_strerror(status);
    return;
  }
  hostent* host = nullptr;
  ares_addrttl ttls[32];
  int n = 32;
  int rc = ares_parse_a_reply(buffer, length, &host, ttls, &n);
  if (host != nullptr) ares_free_hostent(host);
  if (rc != ARES_SUCCESS) {
    out->status = ares_strerror(rc);
    return;
  }
  std::vector<std::string> addresses;
  for (int i = 0; i < n; ++i) {
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &ttls[i].ipaddr, text, sizeof text);
    addresses.emplace_back(text);
  }
  std::sort(addresses.begin(), addresses.end());
  out->addresses.clear();
  for (const auto& a : addresses) out->addresses += (out->addresses.empty() ? "" : ",") + a;
  if (out->addresses.empty()) out->addresses = "-";
  if (n > 0) out->ttl = std::to_string(ttls[0].ttl);
  out->status = "ok";
}

/// One c-ares channel whose only server is the resolver under observation.
class Channel {
 public:
  Channel(const std::string& server, int port, int timeout_ms) {
    ares_options opts{};
    opts.timeout = timeout_ms;
    opts.tries = 1;
    // No search list, no /etc/hosts: the name as given, to that server only.
    opts.flags = ARES_FLAG_NOSEARCH;
    opts.lookups = const_cast<char*>("b");
    int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS | ARES_OPT_LOOKUPS;
    if (ares_init_options(&channel_, &opts, mask) != ARES_SUCCESS) throw std::runtime_error("ares_init_options failed");
    std::string csv = server + ":" + std::to_string(port);
    if (ares_set_servers_ports_csv(channel_, csv.c_str()) != ARES_SUCCESS) {
      ares_destroy(channel_);
      throw std::runtime_error("bad server '" + csv + "'");
    }
  }
  ~Channel() { ares_destroy(channel_); }
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  /// Asks every name at once and waits for all answers (c-ares' timeout bounds the wait).
  std::vector<Answer> ask(const std::vector<std::string>& names) {
    std::vector<Answer> answers(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) ares_query(channel_, names[i].c_str(), ns_c_in, ns_t_a, on_answer, &answers[i]);
    while (true) {
      fd_set readers, writers;
      FD_ZERO(&readers);
      FD_ZERO(&writers);
      int nfds = ares_fds(channel_, &readers, &writers);
      if (nfds == 0) break;
      timeval storage{}, *wait = ares_timeout(channel_, nullptr, &storage);
      select(nfds, &readers, &writers, nullptr, wait);
      ares_process(channel_, &readers, &writers);
    }
    return answers;
  }

 private:
  ares_channel channel_ = nullptr;
};

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"failover_probe: watch which address a resolver answers, once per interval"};
  std::string server = "127.0.0.1";
  int port = 53;
  double interval = 1.0, bound = 600, since = 0;
  bool once = false;
  std::vector<std::string> targets;
  app.add_option("--server", server, "the resolver's address")->capture_default_str();
  app.add_option("--port", port, "the resolver's port")->capture_default_str()->check(CLI::Range(1, 65535));
  app.add_option("--interval", interval, "seconds between rounds")->capture_default_str()->check(CLI::Range(0.05, 3600.0));
  app.add_option("--bound", bound, "give up after this many seconds")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--since", since, "Unix time that SECONDS count from (default: now)");
  app.add_flag("--once", once, "ask every name once and exit");
  app.add_option("NAME=NEW", targets, "a name and the address it converges to")->required();
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> names;
  std::map<std::string, std::string> expected;
  for (const auto& t : targets) {
    auto eq = t.find('=');
    names.push_back(t.substr(0, eq));
    if (eq != std::string::npos) expected[names.back()] = t.substr(eq + 1);
  }
  if (since <= 0) since = unix_now();
  ares_library_init(ARES_LIB_INIT_ALL);
  int status = 1;
  try {
    Channel channel(server, port, 2000);
    std::map<std::string, bool> converged;
    for (long round = 0;; ++round) {
      // Rounds at fixed offsets from the start, so a slow answer does not shift the timeline.
      double due = (once ? unix_now() : since) + static_cast<double>(round) * interval;
      if (!once) {
        while (due < unix_now() - interval) due += interval, ++round;  // skip rounds already missed
        double wait = due - unix_now();
        if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
      }
      std::vector<Answer> answers = channel.ask(names);
      double at = unix_now() - since;
      for (std::size_t i = 0; i < names.size(); ++i) {
        std::printf("%.2f %s %s %s %s\n", at, names[i].c_str(), answers[i].addresses.c_str(), answers[i].ttl.c_str(),
                    answers[i].status.c_str());
        auto e = expected.find(names[i]);
        if (e != expected.end() && answers[i].addresses == e->second) converged[names[i]] = true;
      }
      std::fflush(stdout);
      if (once) {
        status = std::all_of(answers.begin(), answers.end(), [](const Answer& a) { return a.status == "ok"; }) ? 0 : 1;
        break;
      }
      if (converged.size() == expected.size()) {
        status = 0;
        break;
      }
      if (at >= bound) break;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "failover_probe: %s\n", e.what());
    status = 1;
  }
  ares_library_cleanup();
  return status;
}
