// Reads a scenario file (format: tests/scenarios/README.md). Directives start in column 0;
// the indented lines under one belong to it. Every error names the file and line.
#include "tests/scenarios/scenario.hpp"

#include "resolver/dns/message.hpp"
#include "resolver/dns/name.hpp"

#include <asio/ip/address.hpp>

#include <fstream>
#include <sstream>

namespace tern::scenario {

namespace {

std::vector<std::string> split(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string join(const std::vector<std::string>& words, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < words.size(); ++i) out += (out.empty() ? "" : " ") + words[i];
  return out;
}

/// A line without its comment: '#' at the start or after white space.
std::string strip_comment(const std::string& line) {
  for (std::size_t i = 0; i < line.size(); ++i)
    if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) return line.substr(0, i);
  return line;
}

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(path_ + ":" + std::to_string(line_) + ": " + what);
  }
  void set_line(int line) { line_ = line; }

  dns::Name name(const std::string& text) const {
    auto n = dns::Name::from_text(text);
    if (!n) fail("not a domain name: " + text);
    return *n;
  }
  std::uint16_t type(const std::string& text) const {
    auto t = dns::type_from_text(text);
    if (!t) fail("not a record type: " + text);
    return *t;
  }
  std::uint16_t rcode(const std::string& text) const {
    for (std::uint16_t r = 0; r < 24; ++r)
      if (dns::rcode_to_text(r) == text) return r;
    fail("not an rcode: " + text + " (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...)");
  }
  std::string address(const std::string& text) const {
    asio::error_code ec;
    auto a = asio::ip::make_address(text, ec);
    if (ec) fail("not an address: " + text);
    return a.to_string();
  }
  /// A record in presentation format (the class may be left out: IN), normalised the way
  /// the runner prints what it got, so that the two compare as text.
  std::string record(const std::vector<std::string>& words, std::size_t from) const {
    std::vector<std::string> w(words.begin() + static_cast<std::ptrdiff_t>(from), words.end());
    if (w.size() < 4) fail("a record needs owner, TTL, type and data: " + join(w, 0));
    if (w[2] != "IN") w.insert(w.begin() + 2, "IN");
    auto rr = dns::record_from_text(join(w, 0));
    if (!rr) fail("not a record: " + join(w, 0));
    return dns::record_to_text(*rr, rr->ttl);
  }
  /// "ADDR QNAME QTYPE" of a sent/may line.
  std::string upstream(const std::vector<std::string>& words) const {
    if (words.size() != 4) fail(words[0] + " needs ADDRESS QNAME QTYPE");
    return upstream_key(address(words[1]), name(words[2]), type(words[3]));
  }

 private:
  std::string path_;
  int line_ = 0;
};

void option(Reader& r, Scenario& s, const std::vector<std::string>& w) {
  if (w.size() != 3) r.fail("option needs a name and a value");
  const std::string& value = w[2];
  auto on_off = [&] {
    if (value != "on" && value != "off") r.fail("option " + w[1] + " is on or off");
    return value == "on";
  };
  if (w[1] == "qname-minimisation") {
    if (value == "off") s.options.qname_minimisation = resolver::QnameMinimisation::off;
    else if (value == "relaxed") s.options.qname_minimisation = resolver::QnameMinimisation::relaxed;
    else if (value == "strict") s.options.qname_minimisation = resolver::QnameMinimisation::strict;
    else r.fail("qname-minimisation is off, relaxed or strict");
  } else if (w[1] == "do-ip6") {
    s.options.do_ip6 = on_off();
  } else if (w[1] == "do-ip4") {
    s.options.do_ip4 = on_off();
  } else {
    r.fail("unknown option " + w[1] + " (qname-minimisation, do-ip4, do-ip6)");
  }
}

void body_line(Reader& r, Step& step, const std::vector<std::string>& w) {
  const std::string& key = w[0];
  if (auto* z = std::get_if<ZoneStep>(&step.what)) {
    z->records.push_back(r.record(w, 0));
  } else if (auto* p = std::get_if<ReplyStep>(&step.what)) {
    if (key == "rcode" && w.size() == 2) p->rcode = r.rcode(w[1]);
    else if (key == "aa" && w.size() == 1) p->aa = true;
    else if (key == "silent" && w.size() == 1) p->silent = true;
    else if (key == "zone" && w.size() == 1) p->zone = true;
    else if (key == "answer") p->answer.push_back(r.record(w, 1));
    else if (key == "authority") p->authority.push_back(r.record(w, 1));
    else if (key == "additional") p->additional.push_back(r.record(w, 1));
    else r.fail("in a reply: rcode X, aa, silent, zone, answer RR, authority RR or additional RR");
  } else if (auto* q = std::get_if<QueryStep>(&step.what)) {
    if (key == "rcode" && w.size() == 2) q->rcode = r.rcode(w[1]);
    else if (key == "ede" && w.size() == 2) q->ede = static_cast<std::uint16_t>(std::stoul(w[1]));
    else if (key == "answer") q->answer.push_back(r.record(w, 1));
    else if (key == "authority") q->authority.push_back(r.record(w, 1));
    else if (key == "sent") q->sent.push_back(r.upstream(w));
    else if (key == "may") q->may.push_back(r.upstream(w));
    else r.fail("in a query: rcode X, ede N, answer RR, authority RR, sent/may ADDR QNAME QTYPE");
  } else {
    r.fail("this directive takes no indented lines");
  }
}

}  // namespace

std::string upstream_key(const std::string& address, const dns::Name& qname, std::uint16_t qtype) {
  return address + " " + qname.to_text() + " " + dns::type_to_text(qtype);
}

Scenario parse_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw FormatError(path + ": cannot read");
  Reader r(path);
  Scenario s;
  s.path = path;
  s.options.query_loopback = true;
  s.options.do_ip6 = false;
  std::size_t open = 0;  // 1 + the index of the step indented lines belong to; 0: none
  int number = 0;
  for (std::string raw; std::getline(in, raw);) {
    r.set_line(++number);
    const std::string line = strip_comment(raw);
    const auto w = split(line);
    if (w.empty()) continue;
    if (line[0] == ' ' || line[0] == '\t') {
      if (!open) r.fail("an indented line needs a zone, reply or query above it");
      body_line(r, s.steps[open - 1], w);
      continue;
    }
    open = 0;
    const std::string& d = w[0];
    if (d == "title") {
      s.title = join(w, 1);
    } else if (d == "xfail") {
      s.xfail = join(w, 1);
      if (s.xfail.empty()) r.fail("xfail needs the reason");
    } else if (d == "option") {
      option(r, s, w);
    } else if (d == "hint") {
      if (w.size() != 3) r.fail("hint needs NS-NAME ADDRESS");
      const std::string ns = r.name(w[1]).to_text();
      s.hints += ". 3600000 IN NS " + ns + "\n" + ns + " 3600000 IN A " + r.address(w[2]) + "\n";
    } else if (d == "zone") {
      if (w.size() < 2 || (w.size() > 2 && w[2] != "@")) r.fail("zone ORIGIN [@ ADDRESS...]");
      ZoneStep z{r.name(w[1]).to_text(), {}, {}};
      for (std::size_t i = 3; i < w.size(); ++i) z.servers.push_back(r.address(w[i]));
      s.steps.push_back({number, std::move(z)});
      open = s.steps.size();
    } else if (d == "reply") {
      if (w.size() != 4) r.fail("reply ADDRESS QNAME QTYPE (QTYPE may be *)");
      ReplyStep p;
      p.server = r.address(w[1]);
      p.qname = r.name(w[2]).to_text();
      p.qtype = w[3] == "*" ? "*" : dns::type_to_text(r.type(w[3]));
      s.steps.push_back({number, std::move(p)});
      open = s.steps.size();
    } else if (d == "time") {
      if (w.size() != 2 || w[1].size() < 2 || w[1][0] != '+') r.fail("time +SECONDS");
      s.steps.push_back({number, TimeStep{std::chrono::seconds(std::stol(w[1].substr(1)))}});
    } else if (d == "query") {
      if (w.size() != 3) r.fail("query QNAME QTYPE");
      QueryStep q;
      q.qname = r.name(w[1]).to_text();
      q.qtype = r.type(w[2]);
      s.steps.push_back({number, std::move(q)});
      open = s.steps.size();
    } else {
      r.fail("unknown directive " + d + " (title, xfail, option, hint, zone, reply, time, query)");
    }
  }
  r.set_line(number);
  if (s.hints.empty()) r.fail("no hint: the walk has nowhere to start");
  bool any_query = false;
  for (const Step& st : s.steps) any_query |= std::holds_alternative<QueryStep>(st.what);
  if (!any_query) r.fail("no query: nothing is checked");
  return s;
}

}  // namespace tern::scenario
