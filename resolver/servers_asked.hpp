// Which server each question a worker's walks are asking right now went to, per zone cut.
// Two walks that need the same new zone at once (a cold cache under load: two names of one
// zone in flight) ask its parent the same minimised question; when they pick different servers
// of the parent, both exchanges go out. The second walk asks the server the first one chose
// instead, and CoalescingTransport lets it share that exchange (issue 18: upstream queries per
// cold name). One instance per Resolver, used from its worker's thread only: no locks.
#pragma once

#include "resolver/dns/message.hpp"

#include <asio/ip/address.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace tern::resolver {

class ServersAsked {
 public:
  /// Marks `question` as being asked of `server` for `zone` while it lives (RAII).
  class Asking {
   public:
    Asking(ServersAsked& table, std::string key, const asio::ip::address& server) : table_(table), key_(std::move(key)) {
      auto [it, inserted] = table_.asking_.try_emplace(key_, Entry{server, 0});
      // Another walk asks this of another server (the one chosen first was not among this
      // walk's candidates): that entry stays, this exchange is not marked.
      if (!inserted && it->second.server != server) {
        key_.clear();
        return;
      }
      ++it->second.walks;
    }
    ~Asking() {
      if (key_.empty()) return;
      auto it = table_.asking_.find(key_);
      if (it != table_.asking_.end() && --it->second.walks == 0) table_.asking_.erase(it);
    }
    Asking(const Asking&) = delete;
    Asking& operator=(const Asking&) = delete;

   private:
    ServersAsked& table_;
    std::string key_;
  };

  static std::string key_of(const dns::Name& zone, const dns::Question& question) {
    // Both names in wire form, each ending in its root label: the concatenation is unambiguous.
    std::string key = zone.wire();
    key += question.name.wire();
    key += static_cast<char>(question.type >> 8);
    key += static_cast<char>(question.type & 0xff);
    key += static_cast<char>(question.klass >> 8);
    key += static_cast<char>(question.klass & 0xff);
    return key;
  }

  /// The server another walk is asking this of right now, when it is one of `candidates`.
  std::optional<asio::ip::address> server_for(const std::string& key,
                                              const std::vector<asio::ip::address>& candidates) const {
    auto it = asking_.find(key);
    if (it == asking_.end()) return std::nullopt;
    if (std::find(candidates.begin(), candidates.end(), it->second.server) == candidates.end()) return std::nullopt;
    return it->second.server;
  }

 private:
  struct Entry {
    asio::ip::address server;
    unsigned walks;
  };
  std::unordered_map<std::string, Entry> asking_;
};

}  // namespace tern::resolver
