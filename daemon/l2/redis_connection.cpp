#include "daemon/l2/redis_connection.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>


namespace tern::daemon {

/// The adapter's state for one redisAsyncContext: the socket (not owned: hiredis closes it)
/// and the interest hiredis asked for. `ac` is null once hiredis has freed the context.
struct RedisConnection::Watch : std::enable_shared_from_this<RedisConnection::Watch> {
  explicit Watch(asio::io_context& io) : socket(io) {}
  ~Watch() {
    if (socket.is_open()) socket.release();
  }
  asio::posix::stream_descriptor socket;
  redisAsyncContext* ac = nullptr;
  bool want_read = false, want_write = false;
  bool read_waiting = false, write_waiting = false;  ///< an async_wait is in progress

  void arm_read() {
    if (!want_read || read_waiting || !ac) return;
    read_waiting = true;
    socket.async_wait(asio::posix::stream_descriptor::wait_read, [self = shared_from_this()](std::error_code ec) {
      self->read_waiting = false;
      if (ec || !self->ac || !self->want_read) return;
      redisAsyncHandleRead(self->ac);  // may free the context (cleanup clears ac)
      self->arm_read();
    });
  }
  void arm_write() {
    if (!want_write || write_waiting || !ac) return;
    write_waiting = true;
    socket.async_wait(asio::posix::stream_descriptor::wait_write, [self = shared_from_this()](std::error_code ec) {
      self->write_waiting = false;
      if (ec || !self->ac || !self->want_write) return;
      redisAsyncHandleWrite(self->ac);
      self->arm_write();
    });
  }
  // hiredis's ev hooks (idempotent, as it asks).
  static void add_read(void* data) {
    auto* w = static_cast<Watch*>(data);
    w->want_read = true;
    w->arm_read();
  }
  static void del_read(void* data) { static_cast<Watch*>(data)->want_read = false; }
  static void add_write(void* data) {
    auto* w = static_cast<Watch*>(data);
    w->want_write = true;
    w->arm_write();
  }
  static void del_write(void* data) { static_cast<Watch*>(data)->want_write = false; }
  static void cleanup(void* data) {
    auto* w = static_cast<Watch*>(data);
    w->want_read = w->want_write = false;
    w->ac = nullptr;
    std::error_code ignored;
    w->socket.cancel(ignored);
    if (w->socket.is_open()) w->socket.release();  // hiredis closes the descriptor itself
  }
};

namespace {

RedisReply copy_reply(const redisReply* r) {
  RedisReply out;
  out.status = RedisReply::Status::ok;
  switch (r->type) {
    case REDIS_REPLY_STRING: out.type = RedisReply::Type::string; break;
    case REDIS_REPLY_INTEGER: out.type = RedisReply::Type::integer; break;
    case REDIS_REPLY_ARRAY: out.type = RedisReply::Type::array; break;
    case REDIS_REPLY_STATUS: out.type = RedisReply::Type::status; break;
    case REDIS_REPLY_ERROR: out.type = RedisReply::Type::error; break;
    default: out.type = RedisReply::Type::nil; break;
  }
  if (r->str) out.str.assign(r->str, r->len);
  out.integer = r->integer;
  out.elements.reserve(r->elements);
  for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy_reply(r->element[i]));
  return out;
}

/// A command whose coroutine waits: the reply (or its absence) wakes it by cancelling the timer.
struct PendingCall {
  explicit PendingCall(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  RedisReply reply;
  bool finished = false;  ///< the reply came, or the timeout gave up on it
  std::size_t* pending = nullptr;
};

void on_call_reply(redisAsyncContext*, void* r, void* privdata) {
  auto* holder = static_cast<std::shared_ptr<PendingCall>*>(privdata);
  std::shared_ptr<PendingCall> call = std::move(*holder);
  delete holder;
  --*call->pending;
  if (call->finished) return;  // timed out already
  call->finished = true;
  if (r) call->reply = copy_reply(static_cast<redisReply*>(r));
  call->timer.cancel();
}

/// A command nobody waits for (a store): its outcome is told to `done`.
struct PendingSend {
  void (*done)(void*, bool);
  void* data;
  std::size_t* pending;
};

void on_send_reply(redisAsyncContext*, void* r, void* privdata) {
  auto* send = static_cast<PendingSend*>(privdata);
  --*send->pending;
  const bool ok = r && static_cast<redisReply*>(r)->type != REDIS_REPLY_ERROR;
  if (send->done) send->done(send->data, ok);
  delete send;
}

}  // namespace

RedisConnection::RedisConnection(asio::io_context& io, RedisAddress address)
    : io_(io), address_(std::move(address)) {}

RedisConnection::~RedisConnection() { close(); }

void RedisConnection::close() {
  if (!watch_) return;
  std::shared_ptr<Watch> watch = std::move(watch_);
  // Pending commands' callbacks run now, with no reply; cleanup clears watch->ac.
  if (watch->ac) redisAsyncFree(watch->ac);
}

redisAsyncContext* RedisConnection::connected() {
  if (watch_ && watch_->ac) return watch_->ac;
  watch_.reset();
  redisAsyncContext* ac = address_.unix_path.empty()
                              ? redisAsyncConnect(address_.host.c_str(), address_.port)
                              : redisAsyncConnectUnix(address_.unix_path.c_str());
  if (!ac) return nullptr;
  if (ac->err) {
    redisAsyncFree(ac);
    return nullptr;
  }
  auto watch = std::make_shared<Watch>(io_);
  std::error_code ec;
  watch->socket.assign(ac->c.fd, ec);
  if (ec) {
    redisAsyncFree(ac);
    return nullptr;
  }
  watch->ac = ac;
  ac->ev.data = watch.get();
  ac->ev.addRead = &Watch::add_read;
  ac->ev.delRead = &Watch::del_read;
  ac->ev.addWrite = &Watch::add_write;
  ac->ev.delWrite = &Watch::del_write;
  ac->ev.cleanup = &Watch::cleanup;
  watch_ = std::move(watch);
  return ac;
}

bool RedisConnection::submit(std::vector<std::string>& args, void (*callback)(redisAsyncContext*, void*, void*),
                             void* privdata) {
  redisAsyncContext* ac = connected();
  if (!ac) return false;
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  if (redisAsyncCommandArgv(ac, callback, privdata, static_cast<int>(argv.size()), argv.data(), lengths.data()) !=
      REDIS_OK)
    return false;
  ++pending_;
  return true;
}

asio::awaitable<RedisReply> RedisConnection::call(std::vector<std::string> args, std::chrono::milliseconds timeout) {
  auto call = std::make_shared<PendingCall>(io_);
  call->pending = &pending_;
  call->timer.expires_after(timeout);
  auto* holder = new std::shared_ptr<PendingCall>(call);
  if (!submit(args, &on_call_reply, holder)) {
    delete holder;
    co_return RedisReply{};
  }
  co_await call->timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  if (!call->finished) {
    call->finished = true;
    close();  // a stalled server: start afresh next time rather than queue behind it
    RedisReply late;
    late.status = RedisReply::Status::timeout;
    co_return late;
  }
  co_return std::move(call->reply);
}

void RedisConnection::send(std::vector<std::string> args, void (*done)(void*, bool), void* data) {
  auto* send = new PendingSend{done, data, &pending_};
  if (!submit(args, &on_send_reply, send)) {
    delete send;
    if (done) done(data, false);
  }
}

}  // namespace tern::daemon
