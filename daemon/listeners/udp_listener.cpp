#include "daemon/listeners/udp_listener.hpp"

#include "daemon/listeners/client_coroutine.hpp"
#include "daemon/observe/dnstap_tap.hpp"
#include "resolver/log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

namespace tern::daemon {

using asio::ip::udp;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

namespace {

/// Asks for a socket buffer of `bytes`: the FORCE option first (root with CAP_NET_ADMIN may
/// exceed the sysctl cap), then the capped one. Returns what the kernel reports afterwards,
/// halved: Linux doubles the value to account for its bookkeeping (socket(7)).
std::uint64_t request_buffer(int fd, int force_option, int option, std::uint64_t bytes) {
  const int wanted = static_cast<int>(std::min<std::uint64_t>(bytes, std::numeric_limits<int>::max() / 2));
  if (::setsockopt(fd, SOL_SOCKET, force_option, &wanted, sizeof wanted) != 0)
    ::setsockopt(fd, SOL_SOCKET, option, &wanted, sizeof wanted);  // capped: checked below
  int got = 0;
  socklen_t length = sizeof got;
  if (::getsockopt(fd, SOL_SOCKET, option, &got, &length) != 0) return 0;
  return static_cast<std::uint64_t>(got) / 2;
}

}  // namespace

udp::socket open_udp_socket(const asio::any_io_executor& executor, const udp::endpoint& endpoint,
                            const UdpSocketOptions& options, std::vector<std::string>* warnings,
                            PortClaim claim) {
  udp::socket socket(executor);
  socket.open(endpoint.protocol());
  prepare_bind(socket.native_handle(), false, claim);
  if (endpoint.address().is_v6()) socket.set_option(asio::ip::v6_only(true));
  const struct {
    std::uint64_t bytes;
    int force_option, option;
    const char* setting;
    const char* sysctl;
  } buffers[] = {{options.receive_buffer, SO_RCVBUFFORCE, SO_RCVBUF, "so-rcvbuf", "net.core.rmem_max"},
                 {options.send_buffer, SO_SNDBUFFORCE, SO_SNDBUF, "so-sndbuf", "net.core.wmem_max"}};
  for (const auto& b : buffers) {
    if (b.bytes == 0) continue;
    const std::uint64_t got = request_buffer(socket.native_handle(), b.force_option, b.option, b.bytes);
    // Not an error: the resolver works with a smaller buffer, it only drops more in a burst.
    if (got < b.bytes && warnings != nullptr)
      warnings->push_back(fmt::format("{} {}: asked for {} bytes, the kernel gave {} (raise {})", b.setting,
                                      endpoint.address().to_string(), b.bytes, got, b.sysctl));
  }
  socket.bind(endpoint);
  finish_bind(socket.native_handle(), claim);
  socket.non_blocking(true);
  return socket;
}

namespace {

/// The listening socket's address and port, as dnstap's responder end.
dnstap::Endpoint local_end(const udp::socket& socket) {
  asio::error_code ec;
  const udp::endpoint local = socket.local_endpoint(ec);
  return dnstap::Endpoint{local.address(), local.port()};
}

/// `peer`: where the datagram came from and the answer goes; `client`: who asked (the peer, or
/// the source of its PROXY header). `received`, `local`: when the datagram was read and where,
/// for dnstap (unset when its client side is off).
asio::awaitable<void> answer(udp::socket& socket, udp::endpoint peer, asio::ip::address client,
                             std::vector<std::uint8_t> packet, QueryHandler& handler,
                             ActiveQueries& active, dnstap::Time received, dnstap::Endpoint local) {
  ActiveQueries::Guard guard(active);
  dnstap::Tap* const tap = handler.dnstap();
  if (tap) tap->client_query(dnstap::SocketProtocol::udp, {client, peer.port()}, local, packet, received);
  // handle() never throws: its catch-all turns an exception into SERVFAIL for this client.
  auto response = co_await handler.handle(std::move(packet), client, ClientTransport::udp);
  if (!response) co_return;
  if (tap) tap->client_response(dnstap::SocketProtocol::udp, {client, peer.port()}, local, received, *response);
  co_await socket.async_send_to(asio::buffer(*response), peer, use_tuple);
}

asio::awaitable<void> send_later(udp::socket& socket, udp::endpoint client, std::vector<std::uint8_t> reply) {
  co_await socket.async_send_to(asio::buffer(reply), client, use_tuple);
}

/// Buffers of one recvmmsg/sendmmsg round, allocated once per listener and reused: the kernel
/// hands over up to `size` queries per system call (udp-batch-size), and the hits go back in
/// one call too.
struct UdpBatch {
  /// Queries are small (a name and an OPT); a datagram larger than this is cut by the kernel
  /// (MSG_TRUNC) and dropped as unreadable rather than answered from a partial packet.
  static constexpr std::size_t max_query = 4096;

  explicit UdpBatch(unsigned batch_size)
      : size(batch_size), in(size), from(size), in_iov(size), in_msgs(size), out(size), out_iov(size),
        out_msgs(size) {}

  unsigned size;
  std::vector<std::array<std::uint8_t, max_query>> in;
  std::vector<sockaddr_storage> from;
  std::vector<iovec> in_iov;
  std::vector<mmsghdr> in_msgs;
  std::vector<std::vector<std::uint8_t>> out;  ///< responses; capacity kept across rounds
  std::vector<iovec> out_iov;
  std::vector<mmsghdr> out_msgs;

  void prepare_receive() {
    for (unsigned i = 0; i < size; ++i) {
      in_iov[i] = iovec{in[i].data(), max_query};
      in_msgs[i] = mmsghdr{};
      in_msgs[i].msg_hdr.msg_name = &from[i];
      in_msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      in_msgs[i].msg_hdr.msg_iov = &in_iov[i];
      in_msgs[i].msg_hdr.msg_iovlen = 1;
    }
  }
  /// Queues out[slot] for the client of received message `i`.
  void queue_reply(unsigned slot, unsigned i) {
    out_iov[slot] = iovec{out[slot].data(), out[slot].size()};
    out_msgs[slot] = mmsghdr{};
    out_msgs[slot].msg_hdr.msg_name = &from[i];
    out_msgs[slot].msg_hdr.msg_namelen = in_msgs[i].msg_hdr.msg_namelen;
    out_msgs[slot].msg_hdr.msg_iov = &out_iov[slot];
    out_msgs[slot].msg_hdr.msg_iovlen = 1;
  }
};

udp::endpoint endpoint_of(const sockaddr_storage& address, socklen_t length) {
  udp::endpoint endpoint;
  // An inet socket's peer fits a sockaddr_in6; never copy more than the endpoint holds.
  const std::size_t size = std::min<std::size_t>(length, endpoint.capacity());
  std::memcpy(endpoint.data(), &address, size);
  endpoint.resize(size);
  return endpoint;
}

/// Sends the queued hits in one system call; whatever the kernel does not take at once (its
/// buffer is full) waits for the socket in a coroutine of its own.
void send_replies(udp::socket& socket, UdpBatch& batch, unsigned count, const asio::any_io_executor& executor,
                  DaemonStats& stats) {
  if (count == 0) return;
  int sent = ::sendmmsg(socket.native_handle(), batch.out_msgs.data(), count, MSG_DONTWAIT);
  for (unsigned k = sent < 0 ? 0 : static_cast<unsigned>(sent); k < count; ++k) {
    const auto& hdr = batch.out_msgs[k].msg_hdr;
    asio::co_spawn(executor,
                   send_later(socket, endpoint_of(*static_cast<sockaddr_storage*>(hdr.msg_name), hdr.msg_namelen),
                              batch.out[k]),
                   CountEscaped(stats, "udp send"));
  }
}

/// One recvmmsg round: hits are answered inline and queued, the rest go to handle() in a
/// coroutine each. Returns how many datagrams were read (0: the socket is drained). `local`:
/// the socket's address, for dnstap.
unsigned receive_round(udp::socket& socket, UdpBatch& batch, QueryHandler& handler, ActiveQueries& active,
                       DaemonStats& stats, IpRateLimiter& limiter, const ProxySources* proxy,
                       const asio::any_io_executor& executor, const dnstap::Endpoint& local) {
  batch.prepare_receive();
  int n = ::recvmmsg(socket.native_handle(), batch.in_msgs.data(), batch.size, MSG_DONTWAIT, nullptr);
  if (n <= 0) {
    // EAGAIN: drained. ICMP errors from earlier sends also surface here; they end the round.
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) log::debug("udp receive: {}", std::strerror(errno));
    return 0;
  }
  DaemonStats::bump(stats.udp_receive_calls);
  // dnstap's whole cost on this path when off: this load and a test per datagram. When on, one
  // wall-clock reading per round: the round's datagrams arrived together.
  dnstap::Tap* const tap = handler.dnstap();
  dnstap::Time received;
  if (tap) received = resolver::tap_now();
  unsigned replies = 0;
  for (unsigned i = 0; i < static_cast<unsigned>(n); ++i) {
    const mmsghdr& msg = batch.in_msgs[i];
    if (msg.msg_hdr.msg_flags & MSG_TRUNC) {
      DaemonStats::bump(stats.dropped_unreadable);
      continue;
    }
    const udp::endpoint peer = endpoint_of(batch.from[i], msg.msg_hdr.msg_namelen);
    std::span<const std::uint8_t> packet(batch.in[i].data(), msg.msg_len);
    asio::ip::address client = peer.address();
    // proxy-protocol-from's whole cost when empty: this branch. Replies still go to the peer.
    if (proxy != nullptr && admit_datagram(*proxy, peer.address(), packet, client, stats) == ProxyVerdict::drop)
      continue;
    // ip-ratelimit's whole cost when off: this branch.
    if (limiter.enabled()) {
      const IpRateLimiter::Verdict verdict = limiter.admit(client);
      if (verdict != IpRateLimiter::Verdict::allow) {
        if (verdict == IpRateLimiter::Verdict::slip && slip_reply(packet, batch.out[replies])) {
          DaemonStats::bump(stats.ratelimit_slipped);
          DaemonStats::bump(stats.truncated_udp);
          batch.queue_reply(replies++, i);
        } else {
          DaemonStats::bump(stats.ratelimit_dropped);
        }
        continue;
      }
    }
    if (handler.answer_from_cache(packet, client, ClientTransport::udp, batch.out[replies])) {
      if (tap)
        tap->client_exchange(dnstap::SocketProtocol::udp, {client, peer.port()}, local, packet, received,
                             batch.out[replies]);
      batch.queue_reply(replies++, i);
      continue;
    }
    asio::co_spawn(executor,
                   answer(socket, peer, client, std::vector<std::uint8_t>(packet.begin(), packet.end()), handler, active,
                          received, local),
                   CountEscaped(stats, "udp query"));
  }
  send_replies(socket, batch, replies, executor, stats);
  return static_cast<unsigned>(n);
}

}  // namespace

asio::awaitable<void> serve_udp(udp::socket& socket, QueryHandler& handler, ActiveQueries& active,
                                DaemonStats& stats, IpRateLimiter& limiter, unsigned batch_size,
                                const ProxySources* proxy) {
  auto batch = std::make_unique<UdpBatch>(std::max(batch_size, 1u));
  auto executor = co_await asio::this_coro::executor;
  // The bound address never changes: asked once, and only for dnstap.
  const dnstap::Endpoint local = handler.dnstap() ? local_end(socket) : dnstap::Endpoint{};
  while (true) {
    auto [ec] = co_await socket.async_wait(udp::socket::wait_read, use_tuple);
    if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
    if (ec) continue;
    // Drain what the kernel holds before waiting again: under load one wake-up serves many
    // batches, and no query waits for the reactor.
    while (receive_round(socket, *batch, handler, active, stats, limiter, proxy, executor, local) == batch->size) {
    }
  }
}

}  // namespace tern::daemon
