#include "support/tls_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
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

}  // namespace

TlsClient::TlsClient(std::uint16_t port, std::chrono::milliseconds timeout) {
  // SSL_write on a connection ternd closed must fail, not kill the test run with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    error_ = std::string("connect: ") + std::strerror(errno);
    return;
  }
  set_receive_timeout(fd_, timeout);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ctx_ = ctx;
  SSL* ssl = SSL_new(ctx);
  static const unsigned char alpn[] = {3, 'd', 'o', 't'};
  SSL_set_alpn_protos(ssl, alpn, sizeof alpn);
  SSL_set_fd(ssl, fd_);
  if (SSL_connect(ssl) != 1) {
    char text[256] = "handshake failed";
    if (unsigned long code = ERR_get_error()) ERR_error_string_n(code, text, sizeof text);
    error_ = text;
    SSL_free(ssl);
    return;
  }
  ssl_ = ssl;
}

TlsClient::~TlsClient() {
  if (ssl_) SSL_free(as_ssl(ssl_));
  if (ctx_) SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  if (fd_ >= 0) close(fd_);
}

bool TlsClient::send_frames(const std::vector<Bytes>& messages) {
  if (!ssl_) return false;
  Bytes all;
  for (const Bytes& m : messages) {
    all.push_back(static_cast<std::uint8_t>(m.size() >> 8));
    all.push_back(static_cast<std::uint8_t>(m.size() & 0xff));
    all.insert(all.end(), m.begin(), m.end());
  }
  return SSL_write(as_ssl(ssl_), all.data(), static_cast<int>(all.size())) == static_cast<int>(all.size());
}

bool TlsClient::read_exact(std::uint8_t* out, std::size_t n) {
  while (n > 0) {
    int got = SSL_read(as_ssl(ssl_), out, static_cast<int>(n));
    if (got <= 0) {
      // SO_RCVTIMEO expiring shows as WANT_READ; anything else means the connection is over.
      const int error = SSL_get_error(as_ssl(ssl_), got);
      closed_ = error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE;
      ERR_clear_error();
      return false;
    }
    out += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

std::optional<Bytes> TlsClient::read_frame(std::chrono::milliseconds timeout) {
  if (!ssl_) return std::nullopt;
  set_receive_timeout(fd_, timeout);
  std::uint8_t prefix[2];
  if (!read_exact(prefix, 2)) return std::nullopt;
  Bytes message(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]));
  if (!read_exact(message.data(), message.size())) return std::nullopt;
  return message;
}

std::string TlsClient::peer_common_name() const {
  if (!ssl_) return "";
  X509* cert = SSL_get1_peer_certificate(as_ssl(ssl_));
  if (!cert) return "";
  char cn[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  X509_free(cert);
  return cn;
}

std::string TlsClient::alpn() const {
  if (!ssl_) return "";
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(as_ssl(ssl_), &data, &length);
  return std::string(reinterpret_cast<const char*>(data), length);
}

}  // namespace tern::itest
