// Raw DNS for the tests: build queries (well-formed or deliberately broken), send them over UDP
// or framed TCP to ternd, and read the responses with a small bounded parser of our own (so the
// test does not trust the code under test's parser).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tern::itest {

using Bytes = std::vector<std::uint8_t>;

namespace rrtype {
inline constexpr std::uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, MX = 15, TXT = 16, AAAA = 28,
                               OPT = 41, AXFR = 252, ANY = 255;
}
namespace rcode {
inline constexpr int NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4, REFUSED = 5,
                     BADVERS = 16;
}

struct QueryOptions {
  std::uint16_t id = 0x1234;
  bool rd = true;
  bool qr = false;
  std::uint8_t opcode = 0;
  std::uint16_t klass = 1;
  std::optional<std::uint16_t> edns_size;  ///< adds an OPT record when set
  std::uint8_t edns_version = 0;
};

/// The wire form of a dotted name ("www.example.lab", "." is the root).
Bytes encode_name(const std::string& name);
/// A query for one question.
Bytes make_query(const std::string& name, std::uint16_t type, const QueryOptions& options = {});

struct Record {
  std::string name;  ///< lower-cased, dotted, with the final dot
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  std::uint32_t ttl = 0;
  Bytes rdata;
  /// A/AAAA as text, TXT strings joined, names (NS/CNAME/MX exchange) dotted; else hex.
  std::string data;
};

struct Response {
  std::uint16_t id = 0;
  bool qr = false, aa = false, tc = false, rd = false, ra = false;
  std::uint8_t opcode = 0;
  int rcode = 0;  ///< with the EDNS extended bits when an OPT is present
  std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  std::string qname;
  std::uint16_t qtype = 0;
  std::vector<Record> answer, authority, additional;  ///< additional holds no OPT
  bool has_opt = false;
  std::uint16_t opt_udp_size = 0;
  std::size_t size = 0;
};

/// Parses a response; nullopt if it is not well-formed (the header alone is enough for
/// `header_only`).
std::optional<Response> parse_response(const Bytes& wire, bool header_only = false);

/// Sends `query` to 127.0.0.1:port over a fresh UDP socket; the first datagram back within
/// `timeout`, or nullopt.
std::optional<Bytes> udp_exchange(std::uint16_t port, const Bytes& query,
                                  std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

/// A client TCP connection to 127.0.0.1:port (closed by the destructor).
class TcpClient {
 public:
  explicit TcpClient(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  /// Writes all bytes as they are (no framing); false on error.
  bool send_raw(const Bytes& bytes);
  /// Writes a two-octet length and the message.
  bool send_frame(const Bytes& message);
  /// Several frames in one write (pipelining).
  bool send_frames(const std::vector<Bytes>& messages);
  /// The next framed message within `timeout`; nullopt on timeout, EOF or error (see eof()).
  std::optional<Bytes> read_frame(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
  /// Waits up to `timeout` for the peer to close (EOF or reset); any data read meanwhile is
  /// discarded. True if it closed.
  bool wait_closed(std::chrono::milliseconds timeout);
  /// True once the peer closed the connection (EOF or reset seen).
  bool eof() const { return eof_; }
  void close();

 private:
  bool read_exact(std::uint8_t* out, std::size_t n, std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  bool eof_ = false;
};

/// One query over a fresh TCP connection.
std::optional<Bytes> tcp_exchange(std::uint16_t port, const Bytes& query,
                                  std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

/// True if UDP and TCP 127.0.0.1:port can both be bound by a plain socket right now.
bool port_is_free(std::uint16_t port);

}  // namespace tern::itest
