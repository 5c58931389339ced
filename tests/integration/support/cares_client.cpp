#include "support/cares_client.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <sys/select.h>

#include <memory>
#include <mutex>
#include <stdexcept>

namespace tern::itest {

namespace {

void library_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (int rc = ares_library_init(ARES_LIB_INIT_ALL); rc != ARES_SUCCESS)
      throw std::runtime_error(std::string("ares_library_init: ") + ares_strerror(rc));
  });
}

void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen) {
  auto* r = static_cast<CaresResult*>(arg);
  r->done = true;
  r->status = status;
  r->timeouts = timeouts;
  if (abuf != nullptr && alen > 0) r->answer.assign(abuf, abuf + alen);
}

CaresHost parse_host(const CaresResult& r, bool v6) {
  CaresHost out;
  if (r.answer.empty()) {
    out.status = r.status;
    return out;
  }
  hostent* host = nullptr;
  int n = 16;
  if (v6) {
    ares_addr6ttl ttls[16];
    out.status = ares_parse_aaaa_reply(r.answer.data(), static_cast<int>(r.answer.size()), &host, ttls, &n);
    for (int i = 0; out.status == ARES_SUCCESS && i < n; ++i) {
      char buf[INET6_ADDRSTRLEN];
      inet_ntop(AF_INET6, &ttls[i].ip6addr, buf, sizeof buf);
      out.addresses.push_back({buf, ttls[i].ttl});
    }
  } else {
    ares_addrttl ttls[16];
    out.status = ares_parse_a_reply(r.answer.data(), static_cast<int>(r.answer.size()), &host, ttls, &n);
    for (int i = 0; out.status == ARES_SUCCESS && i < n; ++i) {
      char buf[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &ttls[i].ipaddr, buf, sizeof buf);
      out.addresses.push_back({buf, ttls[i].ttl});
    }
  }
  if (host != nullptr) {
    if (host->h_name != nullptr) out.name = host->h_name;
    for (char** a = host->h_aliases; a != nullptr && *a != nullptr; ++a) out.aliases.emplace_back(*a);
    ares_free_hostent(host);
  }
  return out;
}

}  // namespace

std::string CaresResult::status_name() const {
  return done ? std::string(ares_strerror(status)) + " (" + std::to_string(status) + ")" : "not done";
}

CaresHost parse_a(const CaresResult& r) { return parse_host(r, false); }
CaresHost parse_aaaa(const CaresResult& r) { return parse_host(r, true); }

std::pair<int, std::vector<std::string>> parse_txt(const CaresResult& r) {
  if (r.answer.empty()) return {r.status, {}};
  ares_txt_ext* txt = nullptr;
  int status = ares_parse_txt_reply_ext(r.answer.data(), static_cast<int>(r.answer.size()), &txt);
  std::vector<std::string> records;
  for (ares_txt_ext* t = txt; t != nullptr; t = t->next) {
    if (t->record_start || records.empty()) records.emplace_back();
    records.back().append(reinterpret_cast<const char*>(t->txt), t->length);
  }
  if (txt != nullptr) ares_free_data(txt);
  return {status, records};
}

std::pair<int, std::vector<std::string>> parse_mx(const CaresResult& r) {
  if (r.answer.empty()) return {r.status, {}};
  ares_mx_reply* mx = nullptr;
  int status = ares_parse_mx_reply(r.answer.data(), static_cast<int>(r.answer.size()), &mx);
  std::vector<std::string> out;
  for (ares_mx_reply* m = mx; m != nullptr; m = m->next)
    out.push_back(std::to_string(m->priority) + " " + m->host);
  if (mx != nullptr) ares_free_data(mx);
  return {status, out};
}

CaresClient::CaresClient(std::uint16_t port, CaresOptions options) {
  library_init();
  ares_options opts{};
  opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | (options.tcp ? ARES_FLAG_USEVC : 0) |
               (options.check_response ? 0 : ARES_FLAG_NOCHECKRESP);
  opts.timeout = options.timeout_ms;
  opts.tries = options.tries;
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  if (int rc = ares_init_options(&channel_, &opts, mask); rc != ARES_SUCCESS)
    throw std::runtime_error(std::string("ares_init_options: ") + ares_strerror(rc));
  std::string servers = "127.0.0.1:" + std::to_string(port);
  if (int rc = ares_set_servers_ports_csv(channel_, servers.c_str()); rc != ARES_SUCCESS) {
    ares_destroy(channel_);
    throw std::runtime_error(std::string("ares_set_servers_ports_csv: ") + ares_strerror(rc));
  }
}

CaresClient::~CaresClient() {
  if (channel_ != nullptr) ares_destroy(channel_);  // calls pending callbacks: results_ still live
}

std::size_t CaresClient::start(const std::string& name, int type) {
  results_.push_back(std::make_unique<CaresResult>());
  ares_query(channel_, name.c_str(), ns_c_in, type, on_answer, results_.back().get());
  return results_.size() - 1;
}

void CaresClient::run(std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  auto all_done = [&] {
    for (const auto& r : results_)
      if (!r->done) return false;
    return true;
  };
  while (!all_done()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      ares_cancel(channel_);
      break;
    }
    fd_set readers, writers;
    FD_ZERO(&readers);
    FD_ZERO(&writers);
    int nfds = ares_fds(channel_, &readers, &writers);
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now);
    timeval max_wait{static_cast<time_t>(left.count() / 1000000),
                     static_cast<suseconds_t>(left.count() % 1000000)};
    timeval storage{};
    timeval* wait = ares_timeout(channel_, &max_wait, &storage);
    select(nfds, &readers, &writers, nullptr, wait);
    ares_process(channel_, &readers, &writers);
  }
}

CaresResult CaresClient::query(const std::string& name, int type, std::chrono::milliseconds bound) {
  std::size_t i = start(name, type);
  run(bound);
  return result(i);
}

}  // namespace tern::itest
