#include "daemon/listeners/http2_session.hpp"

#include "daemon/listeners/https_limits.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>

namespace tern::daemon {

static_assert(doh_status_count == std::tuple_size_v<decltype(DaemonStats::https_status)>);

namespace {

/// A header field for nghttp2 (which copies neither name nor value: they must live until the
/// frame is sent; literals and the stream's own strings do).
nghttp2_nv field(std::string_view name, std::string_view value) {
  return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
}

std::string_view status_text(DohStatus status) {
  switch (status) {
    case DohStatus::ok: return "200";
    case DohStatus::bad_request: return "400";
    case DohStatus::not_found: return "404";
    case DohStatus::method_not_allowed: return "405";
    case DohStatus::payload_too_large: return "413";
    case DohStatus::unsupported_media_type: return "415";
    case DohStatus::too_early: return "425";
    case DohStatus::headers_too_large: return "431";
  }
  return "500";
}

struct CallbacksFree {
  void operator()(nghttp2_session_callbacks* c) const noexcept { nghttp2_session_callbacks_del(c); }
};
struct OptionFree {
  void operator()(nghttp2_option* o) const noexcept { nghttp2_option_del(o); }
};

}  // namespace

/// nghttp2's callbacks, with the session as user data.
struct Http2Callbacks {
  static Http2Session& self(void* user_data) { return *static_cast<Http2Session*>(user_data); }

  static int begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    auto& s = self(user_data);
    Http2Session::Stream& stream = s.streams_[frame->hd.stream_id];
    stream.request.early_data = s.early_data_;
    return 0;
  }

  static int header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t name_length,
                    const std::uint8_t* value, std::size_t value_length, std::uint8_t, void* user_data) {
    auto* stream = self(user_data).stream(frame->hd.stream_id);
    if (!stream) return 0;
    // RFC 9113 §6.5.2: a field's size is its name, its value and 32.
    stream->header_bytes += name_length + value_length + 32;
    DohRequest& request = stream->request;
    if (stream->header_bytes > https_max_header_list) {
      request.headers_too_large = true;  // keep nothing more; 431 when the request ends
      return 0;
    }
    const std::string_view n(reinterpret_cast<const char*>(name), name_length);
    const std::string_view v(reinterpret_cast<const char*>(value), value_length);
    if (n == ":method") request.method = v;
    else if (n == ":path") request.path = v;
    else if (n == "content-type") request.content_type = v;
    return 0;
  }

  static int data_chunk(nghttp2_session*, std::uint8_t, std::int32_t stream_id, const std::uint8_t* data,
                        std::size_t length, void* user_data) {
    auto& s = self(user_data);
    auto* stream = s.stream(stream_id);
    if (!stream || stream->resolving || stream->answered) return 0;  // answered early: the rest is dropped
    DohRequest& request = stream->request;
    request.early_data = request.early_data || s.early_data_;
    if (request.body.size() + length > https_max_message) {
      // Answer now rather than buffer (or read) the rest of a body that cannot be a DNS message.
      request.body_too_large = true;
      request.body = {};
      // No RST_STREAM here: nghttp2 would send it before the response's HEADERS.
      s.send_status(stream_id, *stream, DohStatus::payload_too_large);
      return 0;
    }
    request.body.insert(request.body.end(), data, data + length);
    return 0;
  }

  static int frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& s = self(user_data);
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
      if (!s.take_reset_token(s.now_)) return NGHTTP2_ERR_CALLBACK_FAILURE;  // receive() sends GOAWAY
      return 0;
    }
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
      s.request_complete(frame->hd.stream_id);
    return 0;
  }

  static int stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t, void* user_data) {
    auto& s = self(user_data);
    auto it = s.streams_.find(stream_id);
    if (it == s.streams_.end()) return 0;
    if (it->second.resolving) --s.resolving_;  // its answer, when it comes, finds no stream
    s.streams_.erase(it);
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buffer, std::size_t length,
                           std::uint32_t* flags, nghttp2_data_source* source, void*) {
    auto* stream = static_cast<Http2Session::Stream*>(source->ptr);
    const std::size_t n = std::min(length, stream->body.size() - stream->body_sent);
    std::memcpy(buffer, stream->body.data() + stream->body_sent, n);
    stream->body_sent += n;
    if (stream->body_sent == stream->body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
};

Http2Session::Http2Session(const Http2Settings& settings, DaemonStats& stats, OnQuery on_query)
    : settings_(settings), stats_(stats), on_query_(std::move(on_query)), reset_tokens_(https_reset_burst) {
  nghttp2_session_callbacks* raw_callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&raw_callbacks) != 0) throw std::bad_alloc();
  std::unique_ptr<nghttp2_session_callbacks, CallbacksFree> callbacks(raw_callbacks);
  nghttp2_session_callbacks_set_on_begin_headers_callback(raw_callbacks, Http2Callbacks::begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(raw_callbacks, Http2Callbacks::header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(raw_callbacks, Http2Callbacks::data_chunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(raw_callbacks, Http2Callbacks::frame_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(raw_callbacks, Http2Callbacks::stream_close);
  nghttp2_option* raw_option = nullptr;
  if (nghttp2_option_new(&raw_option) != 0) throw std::bad_alloc();
  std::unique_ptr<nghttp2_option, OptionFree> option(raw_option);
  // Closed streams are kept only for priority trees, which DoH does not use: keep none, so a
  // client cannot make the session remember thousands of them.
  nghttp2_option_set_no_closed_streams(raw_option, 1);
  if (nghttp2_session_server_new2(&session_, raw_callbacks, this, raw_option) != 0) throw std::bad_alloc();
  const nghttp2_settings_entry entries[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings_.max_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<std::uint32_t>(https_stream_window)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<std::uint32_t>(https_max_header_list)},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, entries, std::size(entries));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, https_connection_window);
}

Http2Session::~Http2Session() { nghttp2_session_del(session_); }

Http2Session::Stream* Http2Session::stream(std::int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : &it->second;
}

bool Http2Session::receive(std::span<const std::uint8_t> bytes, bool early_data,
                           std::chrono::steady_clock::time_point now) {
  early_data_ = early_data;
  now_ = now;
  const auto used = nghttp2_session_mem_recv(session_, bytes.data(), bytes.size());
  if (reset_flood_) {
    DaemonStats::bump(stats_.https_reset_floods);
    nghttp2_session_terminate_session(session_, NGHTTP2_ENHANCE_YOUR_CALM);
    return false;
  }
  if (used < 0) {
    // A protocol error (a bad preface, a broken frame): nghttp2 has queued GOAWAY when it could.
    DaemonStats::bump(stats_.https_protocol_errors);
    nghttp2_session_terminate_session(session_, NGHTTP2_PROTOCOL_ERROR);
    return false;
  }
  return true;
}

bool Http2Session::take_reset_token(std::chrono::steady_clock::time_point now) {
  if (tokens_at_ != std::chrono::steady_clock::time_point{}) {
    const double seconds = std::chrono::duration<double>(now - tokens_at_).count();
    reset_tokens_ = std::min<double>(https_reset_burst, reset_tokens_ + std::max(0.0, seconds) * https_resets_per_second);
  }
  tokens_at_ = now;
  if (reset_tokens_ < 1) {
    reset_flood_ = true;
    return false;
  }
  reset_tokens_ -= 1;
  return true;
}

void Http2Session::request_complete(std::int32_t id) {
  Stream* s = stream(id);
  if (!s || s->resolving || s->answered) return;
  DohVerdict verdict = judge_doh_request(s->request, settings_.endpoint);
  if (verdict.status != DohStatus::ok) {
    send_status(id, *s, verdict.status);
    return;
  }
  s->resolving = true;
  ++resolving_;
  s->request = {};  // the query moves on; the headers are no longer needed
  on_query_(id, std::move(verdict.query));
}

void Http2Session::send_status(std::int32_t id, Stream& stream, DohStatus status) {
  DaemonStats::bump(stats_.https_status[doh_status_index(status)]);
  stream.answered = true;
  stream.content_length = "0";
  const nghttp2_nv fields[] = {field(":status", status_text(status)), field("content-length", stream.content_length)};
  nghttp2_submit_response(session_, id, fields, std::size(fields), nullptr);
}

void Http2Session::respond(std::int32_t id, std::vector<std::uint8_t> response) {
  Stream* s = stream(id);
  if (!s || !s->resolving) return;  // reset or closed meanwhile
  s->resolving = false;
  --resolving_;
  send_answer(id, *s, std::move(response));
}

void Http2Session::respond_status(std::int32_t id, DohStatus status) {
  Stream* s = stream(id);
  if (!s || !s->resolving) return;
  s->resolving = false;
  --resolving_;
  send_status(id, *s, status);
}

void Http2Session::send_answer(std::int32_t id, Stream& stream, std::vector<std::uint8_t> response) {
  DaemonStats::bump(stats_.https_status[doh_status_index(DohStatus::ok)]);
  stream.answered = true;
  stream.cache_control = "max-age=" + std::to_string(response_max_age(response));
  stream.content_length = std::to_string(response.size());
  stream.body = std::move(response);
  stream.body_sent = 0;
  const nghttp2_nv fields[] = {field(":status", "200"), field("content-type", "application/dns-message"),
                               field("content-length", stream.content_length),
                               field("cache-control", stream.cache_control)};
  nghttp2_data_provider provider{};
  provider.source.ptr = &stream;
  provider.read_callback = Http2Callbacks::read_body;
  nghttp2_submit_response(session_, id, fields, std::size(fields), &provider);
}

std::vector<std::vector<std::uint8_t>> Http2Session::take_output() {
  std::vector<std::vector<std::uint8_t>> out;
  while (true) {
    const std::uint8_t* data = nullptr;
    const auto n = nghttp2_session_mem_send(session_, &data);  // one frame per call
    if (n <= 0) break;
    out.emplace_back(data, data + n);
  }
  return out;
}

bool Http2Session::finished() const {
  return nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0;
}

}  // namespace tern::daemon
