// One worker's connection to Redis: hiredis's asynchronous API driven by the worker's own
// asio io_context (hiredis ships adapters for libevent, libuv and others, none for asio; this
// is that adapter). hiredis asks for read and write interest through its ev hooks; each is an
// async_wait on the socket, which calls redisAsyncHandleRead/Write when ready. Nothing here
// blocks: connecting is non-blocking, every command waits at most its timeout.
//
// Lifetimes: hiredis frees its context itself when the connection fails or is closed, and
// then calls every pending command's callback with no reply; the adapter's Watch outlives the
// context (shared with the waits in progress) and learns of it through the cleanup hook.
#pragma once

#include "daemon/config/redis_address.hpp"

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct redisAsyncContext;

namespace tern::daemon {

/// A reply, copied out of hiredis's (which is freed when its callback returns).
struct RedisReply {
  enum class Status : std::uint8_t {
    ok,           ///< Redis answered (which may be an error reply: see `type`)
    timeout,      ///< no answer within the timeout
    unavailable,  ///< not connected, the connection failed or closed, or too much pending
  };
  Status status = Status::unavailable;
  enum class Type : std::uint8_t { nil, string, integer, array, status, error } type = Type::nil;
  std::string str;                 ///< string, status or error text
  long long integer = 0;
  std::vector<RedisReply> elements;  ///< array
};

class RedisConnection {
 public:
  RedisConnection(asio::io_context& io, RedisAddress address);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  /// Sends one command (binary-safe arguments), connecting first when there is no connection,
  /// and waits at most `timeout` for its reply. A timeout closes the connection (replies still
  /// on their way would otherwise pile up behind a stalled server); the next command reconnects.
  asio::awaitable<RedisReply> call(std::vector<std::string> args, std::chrono::milliseconds timeout);
  /// Sends one command and does not wait: `done` is told whether Redis answered without error
  /// (false for an error reply, a closed connection, or when it could not be sent).
  void send(std::vector<std::string> args, void (*done)(void* data, bool ok), void* data);
  /// Commands sent and not answered yet.
  std::size_t pending() const noexcept { return pending_; }
  /// Closes the connection (pending commands end unavailable); the next command reconnects.
  void close();

  struct Watch;  // the adapter's state, shared with the socket waits in progress

 private:
  redisAsyncContext* connected();
  bool submit(std::vector<std::string>& args, void (*callback)(redisAsyncContext*, void*, void*), void* privdata);

  asio::io_context& io_;
  RedisAddress address_;
  std::shared_ptr<Watch> watch_;  ///< the live connection's; null when none
  std::size_t pending_ = 0;
};

}  // namespace tern::daemon
