#include "daemon/process/rpz_transfer.hpp"

#include "resolver/dns/wire_check.hpp"
#include "resolver/rpz_limits.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace tern::daemon::rpz {

namespace {

/// A socket closed when it goes out of scope.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

/// Waits for `events` on `fd` until `deadline`; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, millis_left(deadline));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

bool write_all(int fd, const std::uint8_t* data, std::size_t size, Clock::time_point deadline) {
  while (size > 0) {
    if (!wait_for(fd, POLLOUT, deadline)) return false;
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_all(int fd, std::uint8_t* data, std::size_t size, Clock::time_point deadline) {
  while (size > 0) {
    if (!wait_for(fd, POLLIN, deadline)) return false;
    const ssize_t n = ::recv(fd, data, size, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

std::string where(const ZoneServer& primary) {
  const std::string address = primary.address.to_string();
  return (primary.address.is_v6() ? "[" + address + "]" : address) + "@" + std::to_string(primary.port);
}

/// A connected, non-blocking TCP socket to `primary`, or -1 with `error`.
int connect_to(const ZoneServer& primary, Clock::time_point deadline, std::string& error) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (primary.address.is_v4()) {
    auto* sa = reinterpret_cast<sockaddr_in*>(&storage);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(primary.port);
    const auto bytes = primary.address.to_v4().to_bytes();
    std::memcpy(&sa->sin_addr, bytes.data(), 4);
    length = sizeof(sockaddr_in);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&storage);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(primary.port);
    const auto bytes = primary.address.to_v6().to_bytes();
    std::memcpy(&sa->sin6_addr, bytes.data(), 16);
    length = sizeof(sockaddr_in6);
  }
  const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 && errno != EINPROGRESS) {
    error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  if (!wait_for(fd, POLLOUT, deadline)) {
    error = "connect timed out";
    ::close(fd);
    return -1;
  }
  int so_error = 0;
  socklen_t so_length = sizeof so_error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_length);
  if (so_error != 0) {
    error = std::strerror(so_error);
    ::close(fd);
    return -1;
  }
  return fd;
}

TransferResult failure(std::string error) {
  TransferResult r;
  r.error = std::move(error);
  return r;
}

/// An SOA record with `serial` and otherwise empty fields (the IXFR query's authority).
dns::Record soa_with_serial(const dns::Name& zone, std::uint32_t serial) {
  dns::Record soa{zone, dns::rrtype::SOA, dns::class_in, 0, {}};
  soa.rdata.append(1, '\0');  // MNAME .
  soa.rdata.append(1, '\0');  // RNAME .
  for (std::uint32_t v : {serial, 0u, 0u, 0u, 0u})
    for (int shift = 24; shift >= 0; shift -= 8) soa.rdata += static_cast<char>((v >> shift) & 0xFF);
  return soa;
}

/// RFC 1982 serial arithmetic: whether a is newer than b.
bool newer(std::uint32_t a, std::uint32_t b) { return a != b && static_cast<std::int32_t>(a - b) > 0; }

}  // namespace

std::optional<std::uint32_t> soa_serial(const dns::Record& soa) {
  if (soa.type != dns::rrtype::SOA || soa.rdata.size() < 22) return std::nullopt;
  const auto* p = reinterpret_cast<const std::uint8_t*>(soa.rdata.data()) + soa.rdata.size() - 20;
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

bool transfer_complete(const std::vector<dns::Record>& records, bool ixfr, bool first_message_only) {
  if (records.empty()) return false;
  const auto serial = soa_serial(records.front());
  if (!serial) return true;  // interpret_transfer says what is wrong
  if (ixfr && records.size() == 1 && first_message_only) return true;  // up to date, or "do AXFR"
  const bool incremental = ixfr && records.size() >= 2 && records[1].type == dns::rrtype::SOA;
  std::size_t seen = 0;
  for (const dns::Record& rr : records)
    if (rr.type == dns::rrtype::SOA && soa_serial(rr) == serial) ++seen;
  return seen >= (incremental ? 3u : 2u);
}

TransferResult interpret_transfer(std::vector<dns::Record> records, std::optional<std::uint32_t> have) {
  if (records.empty() || records.front().type != dns::rrtype::SOA) return failure("the transfer does not start with an SOA");
  const auto serial = soa_serial(records.front());
  if (!serial) return failure("malformed SOA");
  TransferResult r;
  r.serial = *serial;
  if (records.size() == 1) {
    if (have && !newer(*serial, *have)) {
      r.kind = TransferResult::Kind::up_to_date;
      return r;
    }
    return failure("a lone SOA with a newer serial: the primary wants an AXFR");
  }
  if (have && records[1].type == dns::rrtype::SOA) {
    // RFC 1995 §4: SOA(new), then per version SOA(old) deletions SOA(next) additions, SOA(new).
    r.kind = TransferResult::Kind::incremental;
    std::size_t i = 1;
    while (i + 1 < records.size()) {
      ZoneDiff diff;
      diff.deleted.push_back(records[i++]);
      while (i < records.size() && records[i].type != dns::rrtype::SOA) diff.deleted.push_back(records[i++]);
      if (i >= records.size()) return failure("an IXFR change set without its new SOA");
      diff.added.push_back(records[i++]);
      while (i < records.size() && records[i].type != dns::rrtype::SOA) diff.added.push_back(records[i++]);
      r.diffs.push_back(std::move(diff));
    }
    if (i != records.size() - 1 || soa_serial(records.back()) != serial)
      return failure("the IXFR does not end with the new SOA");
    return r;
  }
  // AXFR (or an IXFR answered with the whole zone): SOA, the records, SOA.
  if (records.back().type != dns::rrtype::SOA || soa_serial(records.back()) != serial)
    return failure("the transfer does not end with the SOA");
  records.pop_back();
  r.kind = TransferResult::Kind::full;
  r.records = std::move(records);
  return r;
}

TransferResult transfer_zone(const dns::Name& zone, const ZoneServer& primary, std::optional<std::uint32_t> have) {
  const Clock::time_point deadline = Clock::now() + resolver::limits::rpz::transfer_timeout;
  std::string error;
  Socket socket(connect_to(primary, deadline, error));
  if (socket.get() < 0) return failure(where(primary) + ": " + error);
  dns::Message query;
  std::uint16_t id = 0;
  if (::getrandom(&id, sizeof id, 0) != sizeof id) id = static_cast<std::uint16_t>(Clock::now().time_since_epoch().count());
  query.id = id;
  query.questions.push_back(dns::Question{zone, have ? dns::rrtype::IXFR : dns::rrtype::AXFR, dns::class_in});
  if (have) query.authority.push_back(soa_with_serial(zone, *have));
  auto wire = dns::build_message(query);
  if (!wire) return failure("cannot build the transfer query");
  std::vector<std::uint8_t> framed{static_cast<std::uint8_t>(wire->size() >> 8), static_cast<std::uint8_t>(wire->size())};
  framed.insert(framed.end(), wire->begin(), wire->end());
  if (!write_all(socket.get(), framed.data(), framed.size(), deadline))
    return failure(where(primary) + ": cannot send the query");
  std::vector<dns::Record> records;
  std::size_t octets = 0;
  std::vector<std::uint8_t> message;
  for (unsigned messages = 0;; ++messages) {
    std::uint8_t length[2];
    if (!read_all(socket.get(), length, 2, deadline))
      return failure(where(primary) + ": the transfer ended early or timed out");
    const std::size_t size = (std::size_t{length[0]} << 8) | length[1];
    octets += size;
    if (octets > resolver::limits::rpz::max_transfer_octets)
      return failure(where(primary) + ": the transfer exceeds " +
                     std::to_string(resolver::limits::rpz::max_transfer_octets) + " octets");
    message.resize(size);
    if (!read_all(socket.get(), message.data(), size, deadline))
      return failure(where(primary) + ": the transfer ended early or timed out");
    dns::Message parsed;
    if (dns::parse_message(message, parsed) != dns::WireError::none)
      return failure(where(primary) + ": a malformed message in the transfer");
    if (parsed.id != id || !parsed.qr) return failure(where(primary) + ": a message that is not the answer");
    if (parsed.rcode != dns::rcode::noerror)
      return failure(where(primary) + ": answered " + dns::rcode_to_text(parsed.rcode));
    for (dns::Record& rr : parsed.answer) records.push_back(std::move(rr));
    if (transfer_complete(records, have.has_value(), messages == 0)) break;
  }
  TransferResult result = interpret_transfer(std::move(records), have);
  if (result.kind == TransferResult::Kind::failed) result.error = where(primary) + ": " + result.error;
  return result;
}

}  // namespace tern::daemon::rpz
