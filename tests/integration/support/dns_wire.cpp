#include "support/dns_wire.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace tern::itest {

namespace {

using Clock = std::chrono::steady_clock;

void put16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

std::uint16_t get16(const Bytes& b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

std::uint32_t get32(const Bytes& b, std::size_t at) {
  return std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 | std::uint32_t{b[at + 2]} << 8 |
         b[at + 3];
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

/// Reads a possibly compressed name at `at`; `end` is set past its in-place octets. Bounded:
/// at most 128 pointer hops and 255 octets.
bool read_name(const Bytes& b, std::size_t at, std::size_t& end, std::string& out) {
  out.clear();
  bool jumped = false;
  unsigned hops = 0, length = 0;
  std::size_t pos = at;
  while (true) {
    if (pos >= b.size()) return false;
    std::uint8_t len = b[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= b.size() || ++hops > 128) return false;
      if (!jumped) end = pos + 2;
      jumped = true;
      pos = static_cast<std::size_t>((len & 0x3F) << 8 | b[pos + 1]);
      continue;
    }
    if (len > 63) return false;
    if (len == 0) {
      if (!jumped) end = pos + 1;
      if (out.empty()) out.push_back('.');
      return true;
    }
    if (pos + 1 + len > b.size() || (length += len + 1) > 255) return false;
    for (std::size_t i = 0; i < len; ++i)
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(b[pos + 1 + i])));
    out += '.';
    pos += 1 + len;
  }
}

std::string rdata_text(const Bytes& msg, const Record& r, std::size_t rdata_at) {
  char buf[INET6_ADDRSTRLEN];
  std::size_t end = 0;
  std::string name;
  switch (r.type) {
    case rrtype::A:
      if (r.rdata.size() == 4 && inet_ntop(AF_INET, r.rdata.data(), buf, sizeof buf)) return buf;
      break;
    case rrtype::AAAA:
      if (r.rdata.size() == 16 && inet_ntop(AF_INET6, r.rdata.data(), buf, sizeof buf)) return buf;
      break;
    case rrtype::NS:
    case rrtype::CNAME:
      if (read_name(msg, rdata_at, end, name)) return name;
      break;
    case rrtype::MX:
      if (r.rdata.size() > 2 && read_name(msg, rdata_at + 2, end, name))
        return std::to_string(get16(r.rdata, 0)) + " " + name;
      break;
    case rrtype::TXT: {
      std::string out;
      for (std::size_t i = 0; i < r.rdata.size();) {
        std::size_t n = r.rdata[i];
        if (i + 1 + n > r.rdata.size()) break;
        out.append(reinterpret_cast<const char*>(r.rdata.data()) + i + 1, n);
        i += 1 + n;
      }
      return out;
    }
    default:
      break;
  }
  std::string hex;
  for (auto c : r.rdata) {
    char h[3];
    std::snprintf(h, sizeof h, "%02x", c);
    hex += h;
  }
  return hex;
}

}  // namespace

Bytes encode_name(const std::string& name) {
  Bytes out;
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    std::size_t len = dot - start;
    if (len > 0) {
      out.push_back(static_cast<std::uint8_t>(len));
      out.insert(out.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
    }
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

Bytes make_query(const std::string& name, std::uint16_t type, const QueryOptions& o) {
  Bytes q;
  put16(q, o.id);
  q.push_back(static_cast<std::uint8_t>((o.qr ? 0x80 : 0) | (o.opcode & 0xF) << 3 | (o.rd ? 1 : 0)));
  q.push_back(0);
  put16(q, 1);
  put16(q, 0);
  put16(q, 0);
  put16(q, o.edns_size ? 1 : 0);
  Bytes n = encode_name(name);
  q.insert(q.end(), n.begin(), n.end());
  put16(q, type);
  put16(q, o.klass);
  if (o.edns_size) {
    q.push_back(0);  // root owner
    put16(q, rrtype::OPT);
    put16(q, *o.edns_size);
    q.push_back(0);  // extended rcode
    q.push_back(o.edns_version);
    put16(q, 0);  // flags
    put16(q, 0);  // rdlength
  }
  return q;
}

std::optional<Response> parse_response(const Bytes& b, bool header_only) {
  if (b.size() < 12) return std::nullopt;
  Response r;
  r.size = b.size();
  r.id = get16(b, 0);
  r.qr = b[2] & 0x80;
  r.opcode = (b[2] >> 3) & 0xF;
  r.aa = b[2] & 0x04;
  r.tc = b[2] & 0x02;
  r.rd = b[2] & 0x01;
  r.ra = b[3] & 0x80;
  r.rcode = b[3] & 0xF;
  r.qdcount = get16(b, 4);
  r.ancount = get16(b, 6);
  r.nscount = get16(b, 8);
  r.arcount = get16(b, 10);
  if (header_only) return r;
  std::size_t pos = 12;
  for (unsigned i = 0; i < r.qdcount; ++i) {
    std::string name;
    std::size_t end = 0;
    if (!read_name(b, pos, end, name) || end + 4 > b.size()) return std::nullopt;
    if (i == 0) {
      r.qname = name;
      r.qtype = get16(b, end);
    }
    pos = end + 4;
  }
  auto section = [&](unsigned count, std::vector<Record>& into, bool additional) {
    for (unsigned i = 0; i < count; ++i) {
      Record rec;
      std::size_t end = 0;
      if (!read_name(b, pos, end, rec.name) || end + 10 > b.size()) return false;
      rec.type = get16(b, end);
      rec.klass = get16(b, end + 2);
      rec.ttl = get32(b, end + 4);
      std::size_t rdlen = get16(b, end + 8);
      std::size_t rdata_at = end + 10;
      if (rdata_at + rdlen > b.size()) return false;
      rec.rdata.assign(b.begin() + static_cast<long>(rdata_at), b.begin() + static_cast<long>(rdata_at + rdlen));
      pos = rdata_at + rdlen;
      if (additional && rec.type == rrtype::OPT) {
        r.has_opt = true;
        r.opt_udp_size = rec.klass;
        r.rcode |= static_cast<int>((rec.ttl >> 24) & 0xFF) << 4;
        continue;
      }
      rec.data = rdata_text(b, rec, rdata_at);
      into.push_back(std::move(rec));
    }
    return true;
  };
  if (!section(r.ancount, r.answer, false) || !section(r.nscount, r.authority, false) ||
      !section(r.arcount, r.additional, true))
    return std::nullopt;
  if (pos != b.size()) return std::nullopt;
  return r;
}

std::optional<Bytes> udp_exchange(std::uint16_t port, const Bytes& query, std::chrono::milliseconds timeout) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in to = loopback(port);
  std::optional<Bytes> result;
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0 &&
      send(fd, query.data(), query.size(), 0) == static_cast<ssize_t>(query.size())) {
    auto deadline = Clock::now() + timeout;
    while (true) {
      pollfd p{fd, POLLIN, 0};
      int rc = poll(&p, 1, remaining_ms(deadline));
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0) break;
      Bytes buf(65535);
      ssize_t n = recv(fd, buf.data(), buf.size(), 0);
      if (n < 0 && (errno == EINTR || errno == ECONNREFUSED)) {
        if (errno == ECONNREFUSED) break;  // nothing listens: no answer
        continue;
      }
      if (n < 0) break;
      buf.resize(static_cast<std::size_t>(n));
      result = std::move(buf);
      break;
    }
  }
  close(fd);
  return result;
}

TcpClient::TcpClient(std::uint16_t port, std::chrono::milliseconds timeout) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return;
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in to = loopback(port);
  int rc = connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd_, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&p, 1, static_cast<int>(timeout.count())) == 1 &&
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
      rc = 0;
  }
  if (rc != 0) close();
}

TcpClient::~TcpClient() { close(); }

void TcpClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool TcpClient::send_raw(const Bytes& bytes) {
  if (fd_ < 0) return false;
  std::size_t sent = 0;
  auto deadline = Clock::now() + std::chrono::seconds(3);
  while (sent < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd_, POLLOUT, 0};
      if (poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

bool TcpClient::send_frame(const Bytes& message) { return send_frames({message}); }

bool TcpClient::send_frames(const std::vector<Bytes>& messages) {
  Bytes all;
  for (const auto& m : messages) {
    put16(all, static_cast<std::uint16_t>(m.size()));
    all.insert(all.end(), m.begin(), m.end());
  }
  return send_raw(all);
}

bool TcpClient::read_exact(std::uint8_t* out, std::size_t n, Clock::time_point deadline) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = recv(fd_, out + got, n - got, 0);
    if (r > 0) {
      got += static_cast<std::size_t>(r);
      continue;
    }
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
      eof_ = true;
      return false;
    }
    pollfd p{fd_, POLLIN, 0};
    int rc = poll(&p, 1, remaining_ms(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return false;
  }
  return true;
}

std::optional<Bytes> TcpClient::read_frame(std::chrono::milliseconds timeout) {
  if (fd_ < 0 || eof_) return std::nullopt;
  auto deadline = Clock::now() + timeout;
  std::uint8_t prefix[2];
  if (!read_exact(prefix, 2, deadline)) return std::nullopt;
  Bytes msg(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]));
  // The length came; the body follows at once from a sane server.
  if (!read_exact(msg.data(), msg.size(), deadline + std::chrono::seconds(1))) return std::nullopt;
  return msg;
}

bool TcpClient::wait_closed(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return false;
  auto deadline = Clock::now() + timeout;
  while (!eof_) {
    std::uint8_t sink[512];
    ssize_t r = recv(fd_, sink, sizeof sink, 0);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
      eof_ = true;
      break;
    }
    if (r > 0) continue;
    pollfd p{fd_, POLLIN, 0};
    int rc = poll(&p, 1, remaining_ms(deadline));
    if (rc == 0) return false;
  }
  return true;
}

std::optional<Bytes> tcp_exchange(std::uint16_t port, const Bytes& query, std::chrono::milliseconds timeout) {
  TcpClient c(port, timeout);
  if (!c.connected() || !c.send_frame(query)) return std::nullopt;
  return c.read_frame(timeout);
}

bool port_is_free(std::uint16_t port) {
  sockaddr_in a = loopback(port);
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (!ok) return false;
  }
  return true;
}

}  // namespace tern::itest
