// c-ares as a client of ternd, the way applications use a system resolver: a channel whose only
// server is 127.0.0.1:port (ares_set_servers_ports_csv), UDP or TCP (ARES_FLAG_USEVC), queries
// driven by a bounded ares_process loop, answers decoded with c-ares' own parsers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct ares_channeldata;

namespace tern::itest {

struct CaresOptions {
  bool tcp = false;        ///< ARES_FLAG_USEVC
  int timeout_ms = 3000;   ///< per try
  int tries = 2;
  /// false: ARES_FLAG_NOCHECKRESP, so that SERVFAIL/REFUSED reach the callback as
  /// ARES_ESERVFAIL/ARES_EREFUSED. With the default (as applications run it) c-ares 1.18 treats
  /// them as a failed server and, with no other server left, reports ARES_ECONNREFUSED.
  bool check_response = true;
};

/// What one query gave: the c-ares status and the raw answer (if any).
struct CaresResult {
  bool done = false;
  int status = -1;            ///< ARES_SUCCESS, ARES_ENOTFOUND (NXDOMAIN), ARES_ESERVFAIL ...
  int timeouts = 0;
  std::vector<std::uint8_t> answer;
  std::string status_name() const;
};

struct CaresAddress {
  std::string address;
  int ttl = 0;
};

/// ares_parse_a_reply / ares_parse_aaaa_reply: status, addresses with TTLs, the canonical name
/// and aliases (the CNAME owners on the way).
struct CaresHost {
  int status = -1;
  std::string name;
  std::vector<std::string> aliases;
  std::vector<CaresAddress> addresses;
};
CaresHost parse_a(const CaresResult& r);
CaresHost parse_aaaa(const CaresResult& r);

/// ares_parse_txt_reply_ext: one string per record (a record's strings joined).
std::pair<int, std::vector<std::string>> parse_txt(const CaresResult& r);
/// ares_parse_mx_reply: "PREF HOST" items.
std::pair<int, std::vector<std::string>> parse_mx(const CaresResult& r);

class CaresClient {
 public:
  CaresClient(std::uint16_t port, CaresOptions options = {});
  ~CaresClient();
  CaresClient(const CaresClient&) = delete;
  CaresClient& operator=(const CaresClient&) = delete;

  /// Starts an ares_query (class IN); returns its index for result().
  std::size_t start(const std::string& name, int type);
  /// Drives the channel until every started query is done or `bound` passed (then the rest is
  /// cancelled: status ARES_ECANCELLED).
  void run(std::chrono::milliseconds bound = std::chrono::milliseconds(10000));
  const CaresResult& result(std::size_t index) const { return *results_.at(index); }
  std::size_t size() const { return results_.size(); }

  /// start + run for one query.
  CaresResult query(const std::string& name, int type,
                    std::chrono::milliseconds bound = std::chrono::milliseconds(10000));

 private:
  ares_channeldata* channel_ = nullptr;
  std::vector<std::unique_ptr<CaresResult>> results_;
};

}  // namespace tern::itest
