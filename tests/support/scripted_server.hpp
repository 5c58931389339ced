// A scripted authoritative server for resolver tests, in the spirit of PowerDNS's
// test-syncres: each server is a lambda that sees every query and says what to do with it, and
// counts what it was asked so that a test can assert on the upstream traffic. This file is the
// scripting and the answer logic, written once; two front ends carry the queries to it:
// FakeAuthority (fake_authority.hpp: real loopback sockets, port 53, for what needs the real
// transport and the wire) and InProcessUpstream (in_process_upstream.hpp: the resolver's
// UpstreamTransport with no socket, on virtual time, for whole walks run as any user).
//
// Everything runs on the test's io_context (one thread): no locks, counters are plain.
#pragma once

#include "resolver/dns/cookie.hpp"
#include "resolver/dns/message.hpp"

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::testing {

enum class Transport { udp, tcp };

/// A datagram sent before the genuine reply (UDP only, the socket front end only), to check
/// what the resolver ignores.
struct Forgery {
  enum class Kind {
    wrong_id,        ///< the forged message with an ID that is not the query's
    other_port,      ///< the forged message from another source port of the same address
    other_question,  ///< the forged message with the query's ID but another question
    other_case,      ///< the forged message with the query's ID and question, the name's
                     ///< letters in the opposite case of the query's (0x20 must catch it)
    raw,             ///< `bytes` as they are (garbage, a broken packet)
  };
  Kind kind = Kind::wrong_id;
  dns::Message message;              ///< ID and question are filled in as `kind` says
  std::vector<std::uint8_t> bytes;   ///< for Kind::raw
};

/// A blind forger's flood (UDP only, the socket front end only), sent from the server's own address and port as soon as
/// the query arrives (before the action's delay): the forger knows the question it triggered
/// and the server's address, not the querier's port or ID.
struct Flood {
  dns::Message message;                ///< the forged reply; question and QR filled in
  std::vector<std::uint16_t> ports;    ///< querier's ports guessed: each gets IDs 0..ids-1
  unsigned ids = 0;
  unsigned own_port_wrong_ids = 0;     ///< datagrams to the querier's real port, every one
                                       ///< with an ID that is not the query's (near-misses)
};

/// A barrier that replies can be held behind (Action::hold) until the test opens it: e.g. two
/// servers that each answer only once both have a query in hand, which only a resolver that
/// asks them at the same time ever sees answered. Lives on the test's io_context.
class Gate {
 public:
  explicit Gate(asio::io_context& io);
  /// Releases every reply held here, and every later one at once.
  void open();
  bool is_open() const noexcept { return open_; }
  /// Returns once the gate is open.
  asio::awaitable<void> passed();
  /// Cancels `timer` (wakes whoever waits on it) when the gate opens: the in-process upstream
  /// waits for the gate or its deadline on one timer of its own.
  void wake_on_open(std::weak_ptr<asio::steady_timer> timer);

 private:
  asio::steady_timer timer_;
  bool open_ = false;
  std::vector<std::weak_ptr<asio::steady_timer>> woken_on_open_;
};

/// What a server does with one query. Build with the static helpers, adjust the fields.
struct Action {
  std::optional<dns::Message> reply;       ///< nullopt: stay silent (the resolver times out)
  std::chrono::milliseconds delay{0};      ///< wait this long before sending anything
  std::vector<Forgery> before;             ///< sent (UDP only) just before the reply
  bool keep_id = false;                    ///< send reply->id as given, not the query's
  bool keep_question = false;              ///< send reply->questions as given
  bool truncate_udp = false;               ///< over UDP: header + question, TC=1, no records
  bool echo_edns = true;                   ///< add an OPT to the reply when the query had one
  bool lowercase_question = false;         ///< answer with the question name lower-cased, not
                                           ///< in the query's case (servers that break 0x20)
  std::optional<Flood> flood;              ///< sent (UDP only) before the delay
  std::shared_ptr<Gate> hold;              ///< after the delay, wait for this gate to open
  /// When set, its octets are sent instead of `reply` (UDP and TCP), made from the query's ID
  /// and its question name as it came (wire form, case kept): a broken reply built by hand.
  std::function<std::vector<std::uint8_t>(std::uint16_t id, const std::string& qname_wire)> raw_reply;

  static Action answer(dns::Message reply);
  static Action silence();
  /// An empty reply with this rcode (no EDNS echoed: servers that FORMERR EDNS do not know it).
  static Action rcode(std::uint16_t rcode);
  /// A reply of these records in the answer section, AA set.
  static Action records(const std::vector<std::string>& answer_text);
};

using Handler = std::function<Action(const dns::Message& query, Transport transport)>;

/// A small in-memory zone: records, with delegations wherever an NS set sits below the apex.
/// Answers like a plain authoritative server: referrals (with whatever glue it holds for the
/// NS names, in bailiwick or not), authoritative answers following in-zone CNAMEs, NODATA for
/// names that exist (empty non-terminals too), NXDOMAIN otherwise; SOA in negative answers.
class FakeZone {
 public:
  /// A zone with an SOA at the apex (TTL 300, MINIMUM 300).
  explicit FakeZone(std::string_view origin);
  /// Adds a record in presentation format ("www.example.test. 300 IN A 192.0.2.1");
  /// a record the zone does not parse is a test bug and throws.
  FakeZone& add(std::string_view text);
  /// Adds `NS` at `child` and, when address is not empty, an A (or for an IPv6 address, AAAA)
  /// record for `ns_name`.
  FakeZone& delegate(std::string_view child, std::string_view ns_name, std::string_view address = {});

  /// The reply to `query` (ID and question are filled in by the server).
  Action respond(const dns::Message& query) const;
  /// A handler answering every query from this zone; the zone must outlive the server.
  Handler handler() const;

  const dns::Name& origin() const noexcept { return origin_; }

 private:
  std::vector<dns::Record> find(const dns::Name& owner, std::uint16_t type) const;
  std::optional<dns::Name> delegation_for(const dns::Name& qname, std::uint16_t qtype) const;
  bool exists(const dns::Name& name) const;
  void add_addresses_of_ns(dns::Message& reply, const std::vector<dns::Record>& ns) const;

  dns::Name origin_;
  std::vector<dns::Record> records_;
};

/// One received query, as the server saw it.
struct Received {
  dns::Question question;
  Transport transport = Transport::udp;
  bool edns = false;
  std::string qname_wire;  ///< the question name as it came, case kept
  bool rd = false;  ///< recursion desired: only forward zones ask for it
  asio::ip::address source;  ///< the querier's address (outgoing-address tests); unspecified in process
};

/// One scripted server: its address, its handler, and every query it was asked. A front end
/// hands it each packet (receive) and sends what reply_octets makes of the handler's Action.
class ScriptedServer {
 public:
  ScriptedServer(asio::ip::address address, Handler handler);
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  /// One query as the server took it: parsed, its name as it came, and what to do with it.
  struct Query {
    dns::Message message;
    std::string qname_wire;  ///< the question name as sent (wire form, case kept)
    Action action;
  };
  /// Parses, records and hands `packet` to the handler; nullopt (counted in unparsable()) when
  /// it is no query this server can parse. A handler that throws is logged and stays silent.
  std::optional<Query> receive(std::span<const std::uint8_t> packet, Transport transport,
                               const asio::ip::address& source = {});
  /// The octets to send for `query` over `transport` as its action says (ID, question and its
  /// case, flags, EDNS echo, truncation to the query's UDP size or TC=1 by request, or the
  /// action's raw octets); nullopt: stay silent. Forgeries and floods are the front end's.
  std::optional<std::vector<std::uint8_t>> reply_octets(const Query& query, Transport transport) const;

  void set_handler(Handler handler);
  const asio::ip::address& address() const noexcept { return address_; }

  /// Every query received (parsable ones), in arrival order.
  const std::vector<Received>& received() const noexcept { return received_; }
  std::size_t queries() const noexcept { return received_.size(); }
  std::size_t queries(Transport transport) const;
  /// Queries for this name (any case) and type.
  std::size_t queries(std::string_view name, std::uint16_t type) const;
  /// Queries whose name is `name` or below it.
  std::size_t queries_at_or_below(std::string_view name) const;
  /// Packets that were not DNS queries this server could parse.
  std::size_t unparsable() const noexcept { return unparsable_; }
  void reset_counts();

 private:
  asio::ip::address address_;
  Handler handler_;
  std::vector<Received> received_;
  std::size_t unparsable_ = 0;
};

/// Wraps a handler: queries with EDNS get FORMERR (an old server that chokes on OPT).
Handler formerr_on_edns(Handler inner);
/// Writes `qname` (a query's own spelling) over the question name of the message `wire`: a
/// real server echoes the question octet for octet. Same name, same length.
void put_question_case(std::vector<std::uint8_t>& wire, const std::string& qname);
/// The name, parsed; a bad name in a test is a test bug and throws.
dns::Name name(std::string_view text);
/// A record, parsed; throws on bad text.
dns::Record record(std::string_view text);
/// The COOKIE option of a query (RFC 7873), if it has a well-formed one (views into `q`).
std::optional<dns::CookieOption> cookie_of(const dns::Message& q);
/// What a cookie-aware authority gives a client: a server cookie bound to its client cookie.
std::string server_cookie_for(std::string_view client, char generation = 'a');
/// The address in an A record's RDATA ("192.0.2.1"), or "" for other records.
std::string a_text(const dns::Record& rr);

}  // namespace tern::testing
