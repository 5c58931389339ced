#include "support/h2_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

namespace tern::itest {

namespace {

SSL* as_ssl(void* p) { return static_cast<SSL*>(p); }

void set_receive_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

nghttp2_nv field(const std::string& name, const std::string& value) {
  return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

struct H2ClientCallbacks {
  static H2Client& self(void* p) { return *static_cast<H2Client*>(p); }
  static int header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t name_length,
                    const std::uint8_t* value, std::size_t value_length, std::uint8_t, void* user) {
    H2Response& r = self(user).responses_[frame->hd.stream_id];
    std::string n(reinterpret_cast<const char*>(name), name_length), v(reinterpret_cast<const char*>(value), value_length);
    if (n == ":status") r.status = std::stoi(v);
    else r.headers[n] = v;
    return 0;
  }
  static int data(nghttp2_session*, std::uint8_t, std::int32_t stream, const std::uint8_t* data, std::size_t length,
                  void* user) {
    Bytes& body = self(user).responses_[stream].body;
    body.insert(body.end(), data, data + length);
    return 0;
  }
  static int stream_close(nghttp2_session*, std::int32_t stream, std::uint32_t error, void* user) {
    H2Response& r = self(user).responses_[stream];
    r.closed = true;
    r.reset = error;
    return 0;
  }
  static int frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      self(user).goaway_ = true;
      self(user).goaway_error_ = frame->goaway.error_code;
    }
    return 0;
  }
  static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buffer, std::size_t length,
                           std::uint32_t* flags, nghttp2_data_source* source, void*) {
    auto* body = static_cast<H2Client::Body*>(source->ptr);
    const std::size_t n = std::min(length, body->data.size() - body->sent);
    std::memcpy(buffer, body->data.data() + body->sent, n);
    body->sent += n;
    if (body->sent == body->data.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
};

H2Client::H2Client() {
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_client_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
}

H2Client::H2Client(std::uint16_t port) {
  signal(SIGPIPE, SIG_IGN);
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, H2ClientCallbacks::header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, H2ClientCallbacks::data);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, H2ClientCallbacks::stream_close);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, H2ClientCallbacks::frame_recv);
  nghttp2_session_client_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, nullptr, 0);

  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    error_ = std::string("connect: ") + std::strerror(errno);
    return;
  }
  set_receive_timeout(fd_, std::chrono::milliseconds(3000));
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ctx_ = ctx;
  SSL* ssl = SSL_new(ctx);
  static const unsigned char alpn[] = {2, 'h', '2'};
  SSL_set_alpn_protos(ssl, alpn, sizeof alpn);
  SSL_set_fd(ssl, fd_);
  if (int r = SSL_connect(ssl); r != 1) {
    char text[256] = "handshake failed";
    std::snprintf(text, sizeof text, "handshake failed (SSL_get_error %d, errno %d)", SSL_get_error(ssl, r), errno);
    if (unsigned long code = ERR_get_error()) ERR_error_string_n(code, text, sizeof text);
    error_ = text;
    SSL_free(ssl);
    return;
  }
  ssl_ = ssl;
}

H2Client::~H2Client() {
  if (session_) nghttp2_session_del(session_);
  if (ssl_) SSL_free(as_ssl(ssl_));
  if (ctx_) SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  if (fd_ >= 0) close(fd_);
}

std::string H2Client::alpn() const {
  if (!ssl_) return "";
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(as_ssl(ssl_), &data, &length);
  return std::string(reinterpret_cast<const char*>(data), length);
}

std::int32_t H2Client::submit(const std::string& method, const std::string& path, const HeaderList& headers,
                              const Bytes* body) {
  return submit_to(session_, method, path, headers, body);
}

std::int32_t H2Client::submit_to(nghttp2_session* session, const std::string& method, const std::string& path,
                                 const HeaderList& headers, const Bytes* body) {
  static const std::string m = ":method", s = ":scheme", a = ":authority", p = ":path", https = "https",
                           host = "127.0.0.1";
  std::vector<nghttp2_nv> fields{field(m, method), field(s, https), field(a, host), field(p, path)};
  for (const auto& [n, v] : headers) fields.push_back(field(n, v));
  nghttp2_data_provider provider{};
  if (body) {
    Body& b = bodies_.emplace_back(Body{*body, 0});
    provider.source.ptr = &b;
    provider.read_callback = H2ClientCallbacks::read_body;
  }
  const std::int32_t id = nghttp2_submit_request(session, nullptr, fields.data(), fields.size(), body ? &provider : nullptr, nullptr);
  if (id > 0) responses_[id];
  return id;
}

void H2Client::reset(std::int32_t stream) { nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream, NGHTTP2_CANCEL); }

bool H2Client::send_raw(const std::string& bytes) {
  if (!ssl_) return false;
  return SSL_write(as_ssl(ssl_), bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
}

bool H2Client::flush() {
  if (!ssl_ || closed_) return false;
  const std::uint8_t* data = nullptr;
  for (ssize_t n; (n = nghttp2_session_mem_send(session_, &data)) > 0;) {
    if (SSL_write(as_ssl(ssl_), data, static_cast<int>(n)) != n) {
      closed_ = true;
      ERR_clear_error();
      return false;
    }
  }
  return true;
}

bool H2Client::read_once(std::chrono::milliseconds timeout) {
  set_receive_timeout(fd_, timeout);
  std::uint8_t buffer[16384];
  const int got = SSL_read(as_ssl(ssl_), buffer, sizeof buffer);
  if (got <= 0) {
    const int error = SSL_get_error(as_ssl(ssl_), got);
    if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) closed_ = true;
    ERR_clear_error();
    return false;
  }
  if (nghttp2_session_mem_recv(session_, buffer, static_cast<std::size_t>(got)) < 0) closed_ = true;
  flush();  // SETTINGS acks, WINDOW_UPDATEs
  return true;
}

bool H2Client::wait(const std::vector<std::int32_t>& streams, std::chrono::milliseconds timeout) {
  if (!ssl_) return false;
  flush();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    bool all = true;
    for (std::int32_t s : streams) all = all && responses_[s].closed;
    if (all) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    read_once(left);
  }
  bool all = true;
  for (std::int32_t s : streams) all = all && responses_[s].closed;
  return all;
}

bool H2Client::wait_closed(std::chrono::milliseconds timeout) {
  if (!ssl_) return true;
  flush();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    read_once(left);
  }
  return true;
}

Bytes H2Client::opening_bytes(const std::vector<std::pair<std::string, std::string>>& requests) {
  H2Client offline;
  nghttp2_submit_settings(offline.session_, NGHTTP2_FLAG_NONE, nullptr, 0);
  const Bytes post = make_query("www.example.lab", 1, {});
  for (const auto& [method, path] : requests)
    offline.submit(method, path, {{"content-type", "application/dns-message"}}, method == "POST" ? &post : nullptr);
  Bytes out;
  const std::uint8_t* data = nullptr;
  for (ssize_t n; (n = nghttp2_session_mem_send(offline.session_, &data)) > 0;) out.insert(out.end(), data, data + n);
  return out;
}

std::string H2Client::get_path(const std::string& endpoint, const Bytes& query) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out = endpoint + "?dns=";
  std::uint32_t bits = 0;
  int held = 0;
  for (std::uint8_t b : query) {
    bits = (bits << 8) | b;
    held += 8;
    while (held >= 6) {
      held -= 6;
      out += alphabet[(bits >> held) & 63];
    }
  }
  if (held > 0) out += alphabet[(bits << (6 - held)) & 63];
  return out;
}

}  // namespace tern::itest
