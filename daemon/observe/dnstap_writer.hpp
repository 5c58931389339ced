// The dnstap output: Frame Streams (libfstrm) to a collector on a unix socket or over TCP,
// content type "protobuf:dnstap.Dnstap". fstrm's I/O thread owns the connection: it connects,
// reconnects every reopen interval after the collector goes away, and writes what the
// workers queue. A worker never waits for it: each has its own bounded queue, and a payload
// that finds the queue full is dropped and counted (dnstap.dropped), as is every payload that
// fails to be queued for any reason.
#pragma once

#include "daemon/observe/dnstap_message.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

struct fstrm_iothr;
struct fstrm_iothr_queue;

namespace tern::daemon::dnstap {

/// Payloads one worker may have waiting for the I/O thread (a power of two, fstrm's rule).
/// About 4096 x 300 octets = 1.2 MB per worker at most: a collector that stalls for a moment
/// under 100k queries/s per worker loses 40 ms of messages, not the daemon's memory.
inline constexpr unsigned queue_entries = 4096;
/// How long the I/O thread waits before reconnecting to a collector that went away (fstrm's
/// minimum; its default is 5 s).
inline constexpr unsigned reopen_interval_seconds = 1;
/// How long stopping ternd waits for the I/O thread to flush to a collector that stopped
/// reading; after that the thread is left to the process's exit.
inline constexpr std::chrono::milliseconds shutdown_wait{2000};

/// Where the frames go: a unix socket path, or a TCP address and port.
struct Target {
  std::string socket_path;  ///< non-empty: a unix socket (dnstap-socket)
  std::string address;      ///< else: this address and port, TCP (dnstap-address)
  std::uint16_t port = 0;
};

/// "unix:PATH" or "tcp:ADDRESS@PORT", for logs.
std::string describe(const Target& target);

class Writer {
 public:
  /// Starts the I/O thread with `queues` input queues (one per worker). Throws
  /// std::runtime_error when fstrm refuses the options; an absent collector is no error (it
  /// is connected to when it appears).
  Writer(const Target& target, unsigned queues);
  /// Stops the I/O thread, which writes out what is queued if the collector reads it (up to
  /// shutdown_wait).
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  /// Worker `index`'s queue (index < queues); null past them.
  fstrm_iothr_queue* queue(unsigned index) noexcept;
  /// Queues `payload` on `queue`: true when queued, false when dropped (queue full).
  bool submit(fstrm_iothr_queue* queue, Payload payload) noexcept;

 private:
  fstrm_iothr* iothr_ = nullptr;
};

}  // namespace tern::daemon::dnstap
