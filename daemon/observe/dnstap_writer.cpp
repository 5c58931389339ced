#include "daemon/observe/dnstap_writer.hpp"

#include "resolver/log.hpp"

#include <fstrm.h>

#include <future>
#include <stdexcept>
#include <thread>

namespace tern::daemon::dnstap {

namespace {

constexpr char content_type[] = "protobuf:dnstap.Dnstap";

// RAII for the option objects fstrm copies from at init.
struct WriterOptions {
  fstrm_writer_options* p = fstrm_writer_options_init();
  ~WriterOptions() { fstrm_writer_options_destroy(&p); }
};
struct UnixOptions {
  fstrm_unix_writer_options* p = fstrm_unix_writer_options_init();
  ~UnixOptions() { fstrm_unix_writer_options_destroy(&p); }
};
struct TcpOptions {
  fstrm_tcp_writer_options* p = fstrm_tcp_writer_options_init();
  ~TcpOptions() { fstrm_tcp_writer_options_destroy(&p); }
};
struct IothrOptions {
  fstrm_iothr_options* p = fstrm_iothr_options_init();
  ~IothrOptions() { fstrm_iothr_options_destroy(&p); }
};

/// The writer (bidirectional Frame Streams: READY, ACCEPT, START) for `target`; null on failure.
fstrm_writer* make_writer(const Target& target) {
  WriterOptions wopt;
  fstrm_writer_options_add_content_type(wopt.p, content_type, sizeof content_type - 1);
  if (!target.socket_path.empty()) {
    UnixOptions uopt;
    fstrm_unix_writer_options_set_socket_path(uopt.p, target.socket_path.c_str());
    return fstrm_unix_writer_init(uopt.p, wopt.p);
  }
  TcpOptions topt;
  const std::string port = std::to_string(target.port);
  fstrm_tcp_writer_options_set_socket_address(topt.p, target.address.c_str());
  fstrm_tcp_writer_options_set_socket_port(topt.p, port.c_str());
  return fstrm_tcp_writer_init(topt.p, wopt.p);
}

}  // namespace

std::string describe(const Target& target) {
  if (!target.socket_path.empty()) return "unix:" + target.socket_path;
  return "tcp:" + target.address + "@" + std::to_string(target.port);
}

Writer::Writer(const Target& target, unsigned queues) {
  fstrm_writer* writer = make_writer(target);
  if (writer == nullptr) throw std::runtime_error("dnstap: cannot set up a Frame Streams writer to " + describe(target));
  IothrOptions iopt;
  fstrm_iothr_options_set_num_input_queues(iopt.p, queues == 0 ? 1 : queues);
  fstrm_iothr_options_set_input_queue_size(iopt.p, queue_entries);
  fstrm_iothr_options_set_reopen_interval(iopt.p, reopen_interval_seconds);
  // A worker's resolver and its listeners share the worker's thread; MPSC all the same, so
  // that nothing breaks should another thread ever log into a worker's queue.
  fstrm_iothr_options_set_queue_model(iopt.p, FSTRM_IOTHR_QUEUE_MODEL_MPSC);
  iothr_ = fstrm_iothr_init(iopt.p, &writer);  // takes the writer, also on failure
  if (iothr_ == nullptr) {
    if (writer != nullptr) fstrm_writer_destroy(&writer);
    throw std::runtime_error("dnstap: cannot start the Frame Streams I/O thread for " + describe(target));
  }
}

Writer::~Writer() {
  if (iothr_ == nullptr) return;
  // fstrm_iothr_destroy joins the I/O thread, which may be stuck writing to a collector that
  // stopped reading: wait a bounded time, then leave it to the process's exit.
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  std::thread([iothr = iothr_, done]() mutable {
    fstrm_iothr_destroy(&iothr);
    done->set_value();
  }).detach();
  if (finished.wait_for(shutdown_wait) != std::future_status::ready)
    log::warning("dnstap: the collector did not take the last messages within {} ms; not waiting longer",
                 shutdown_wait.count());
}

fstrm_iothr_queue* Writer::queue(unsigned index) noexcept { return fstrm_iothr_get_input_queue_idx(iothr_, index); }

bool Writer::submit(fstrm_iothr_queue* queue, Payload payload) noexcept {
  if (queue == nullptr || !payload.data) return false;
  void* data = payload.data.get();
  if (fstrm_iothr_submit(iothr_, queue, data, payload.size, fstrm_free_wrapper, nullptr) != fstrm_res_success)
    return false;  // still ours: freed by payload's destructor
  payload.data.release();  // fstrm frees it once written or discarded
  return true;
}

}  // namespace tern::daemon::dnstap
