#include "daemon/listeners/tls_context.hpp"

#include "resolver/log.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace tern::daemon {

namespace {

/// RFC 7858 §3.2 / RFC 8310: the ALPN protocol ID of DNS over TLS.
constexpr unsigned char alpn_dot[] = {3, 'd', 'o', 't'};  // wire form: length, then octets
/// RFC 9113 §3.2: HTTP/2 over TLS.
constexpr unsigned char alpn_h2[] = {2, 'h', '2'};

/// TLS 1.2 suites: forward secrecy (ECDHE) and authenticated encryption (GCM, ChaCha20-Poly1305)
/// only, as RFC 7525 §4.2 recommends. TLS 1.3 suites are all AEAD with (EC)DHE already.
constexpr const char* tls12_ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20";

/// Where each SSL_CTX keeps its TicketKeyRing for the (argument-less) ticket callback. An
/// OpenSSL registry index, made once: not mutable state of ours.
int ticket_ring_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int ticket_key_callback(SSL* ssl, unsigned char* key_name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                        EVP_MAC_CTX* mac, int encrypt) {
  auto* ring = static_cast<TicketKeyRing*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ticket_ring_index()));
  return ring ? ring->ticket_key(key_name, iv, cipher, mac, encrypt) : -1;
}

/// Where each SSL keeps its listener's TlsAlpn (absent: dot). An OpenSSL registry index.
int listener_alpn_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

/// Selects the listener's protocol ("dot", or "h2" on https-listen) when the client offers it (OpenSSL calls this only when ALPN is offered: a
/// client without ALPN is served, RFC 7858 predates it); a client offering only other
/// protocols gets the no_application_protocol alert (RFC 7301 §3.2).
int select_alpn(SSL* ssl, const unsigned char** out, unsigned char* out_length, const unsigned char* offered,
                unsigned int offered_length, void*) {
  unsigned char* selected = nullptr;
  const bool h2 = SSL_get_ex_data(ssl, listener_alpn_index()) != nullptr;
  const unsigned char* ours = h2 ? alpn_h2 : alpn_dot;
  const unsigned int ours_length = h2 ? sizeof alpn_h2 : sizeof alpn_dot;
  if (SSL_select_next_proto(&selected, out_length, ours, ours_length, offered, offered_length) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

/// Early data a client may send before the handshake ends: a few dozen queries.
constexpr std::uint32_t max_early_data = 16384;

/// The most recent OpenSSL error as text (the error queue is per thread).
std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

/// The key must not be readable by everyone: a world-readable key is as good as published.
void check_key_permissions(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw TlsSetupError("tls-private-key: cannot read '" + path + "': " + std::strerror(errno));
  if (st.st_mode & S_IROTH) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw TlsSetupError("tls-private-key: '" + path + "' is readable by everyone (mode " + mode +
                        "); make it private, e.g. chmod o-rwx '" + path + "'");
  }
}

}  // namespace

void set_listener_alpn(SSL* ssl, TlsAlpn alpn) {
  // Any non-null pointer marks h2; the value is not read.
  static constexpr char h2_mark = 0;
  SSL_set_ex_data(ssl, listener_alpn_index(), alpn == TlsAlpn::h2 ? const_cast<char*>(&h2_mark) : nullptr);
}

// ---- session-ticket keys ----

TicketKeyRing::TicketKeyRing(std::chrono::seconds rotation) : rotation_(rotation), current_(random_key()) {}

void TicketKeyRing::set_rotation(std::chrono::seconds rotation) {
  std::lock_guard lock(mutex_);
  rotation_ = rotation;
}

std::chrono::seconds TicketKeyRing::rotation() const {
  std::lock_guard lock(mutex_);
  return rotation_;
}

TicketKeyRing::Key TicketKeyRing::random_key() {
  Key key{};
  if (RAND_bytes(key.name.data(), key.name.size()) != 1 || RAND_bytes(key.aes.data(), key.aes.size()) != 1 ||
      RAND_bytes(key.hmac.data(), key.hmac.size()) != 1)
    throw TlsSetupError("no random bytes for a session-ticket key: " + openssl_reason());
  key.made = std::chrono::steady_clock::now();
  return key;
}

void TicketKeyRing::rotate_if_due() {
  try {
    std::lock_guard lock(mutex_);
    rotate_if_due_locked();
  } catch (const TlsSetupError& e) {
    log::error("tls: {}", e.what());  // no random bytes: keep the current key for now
  }
}

void TicketKeyRing::rotate_if_due_locked() {
  const auto age = std::chrono::steady_clock::now() - current_.made;
  if (age < rotation_) return;
  // A current key older than two periods has tickets out no one should still accept.
  if (age < 2 * rotation_)
    previous_ = current_;
  else
    previous_.reset();
  current_ = random_key();
}

int TicketKeyRing::ticket_key(unsigned char* key_name, unsigned char* iv, void* cipher_ctx, void* mac_ctx,
                              int encrypt) {
  auto* cipher = static_cast<EVP_CIPHER_CTX*>(cipher_ctx);
  auto* mac = static_cast<EVP_MAC_CTX*>(mac_ctx);
  Key key;
  int verdict = 1;
  try {
    std::lock_guard lock(mutex_);
    rotate_if_due_locked();
    if (encrypt) {
      key = current_;
    } else if (std::memcmp(key_name, current_.name.data(), current_.name.size()) == 0) {
      key = current_;
    } else if (previous_ && std::memcmp(key_name, previous_->name.data(), previous_->name.size()) == 0) {
      key = *previous_;
      verdict = 2;  // valid, but made with the old key: OpenSSL issues a fresh ticket
    } else {
      return 0;  // unknown or forgotten key: full handshake
    }
  } catch (const TlsSetupError& e) {
    log::error("tls: {}", e.what());
    return -1;
  }
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key.hmac.data(), key.hmac.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_end()};
  if (encrypt) {
    std::memcpy(key_name, key.name.data(), key.name.size());
    const int iv_length = EVP_CIPHER_get_iv_length(EVP_aes_256_cbc());
    if (RAND_bytes(iv, iv_length) != 1) return -1;
    if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv) != 1) return -1;
  } else if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv) != 1) {
    return -1;
  }
  if (EVP_MAC_CTX_set_params(mac, params) != 1) return -1;
  return verdict;
}

// ---- the context ----

TlsServerContext::TlsServerContext(std::shared_ptr<TicketKeyRing> ring)
    : tickets(std::move(ring)), ssl(asio::ssl::context::tls_server) {}

TlsContextStore::TlsContextStore(const Config& config)
    : tickets_(std::make_shared<TicketKeyRing>(std::chrono::seconds(config.tls_ticket_key_rotation))),
      current_(load(config)) {}

std::shared_ptr<TlsServerContext> TlsContextStore::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

bool TlsContextStore::reload(const Config& config) {
  tickets_->set_rotation(std::chrono::seconds(config.tls_ticket_key_rotation));
  std::shared_ptr<TlsServerContext> fresh;
  try {
    fresh = load(config);
  } catch (const TlsSetupError& e) {
    log::error("reload: keeping the old TLS certificate and key: {}", e.what());
    return false;
  }
  {
    std::lock_guard lock(mutex_);
    current_ = std::move(fresh);
  }
  log::notice("tls: certificate {} and key {} loaded", config.tls_certificate, config.tls_private_key);
  return true;
}

std::shared_ptr<TlsServerContext> TlsContextStore::load(const Config& config) const {
  check_key_permissions(config.tls_private_key);
  auto context = std::make_shared<TlsServerContext>(tickets_);
  SSL_CTX* ctx = context->ssl.native_handle();
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, config.tls_certificate.c_str()) != 1)
    throw TlsSetupError("tls-certificate: cannot use '" + config.tls_certificate + "': " + openssl_reason());
  if (SSL_CTX_use_PrivateKey_file(ctx, config.tls_private_key.c_str(), SSL_FILETYPE_PEM) != 1)
    throw TlsSetupError("tls-private-key: cannot use '" + config.tls_private_key + "': " + openssl_reason());
  if (SSL_CTX_check_private_key(ctx) != 1)
    throw TlsSetupError("tls-private-key: '" + config.tls_private_key + "' does not match the certificate in '" +
                        config.tls_certificate + "': " + openssl_reason());
  // RFC 7525 §3.1: nothing below TLS 1.2; no compression (CRIME); no renegotiation (a client
  // could make the server redo expensive handshakes on one connection).
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1)
    throw TlsSetupError(std::string("TLS 1.2 cipher list: ") + openssl_reason());
  // Early data (0-RTT) can be replayed by an attacker: accepted only when tls-early-data is
  // on, and then only as DNS queries (TlsStream hands it to the DNS framing, nothing else).
  // OpenSSL's replay check would make tickets stateful (a per-context session cache: lost on
  // every reload, not shared with the ticket-key ring); replayed queries change nothing, so
  // it is off and tickets stay stateless.
  // The receive bound stays set when it is off: early data that a ticket from before a reload
  // still allows is then rejected and skipped (RFC 8446 section 4.2.10), not a fatal error.
  SSL_CTX_set_max_early_data(ctx, config.tls_early_data ? max_early_data : 0);
  SSL_CTX_set_recv_max_early_data(ctx, max_early_data);
  if (config.tls_early_data) SSL_CTX_set_options(ctx, SSL_OP_NO_ANTI_REPLAY);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  // Stateless resumption: the session lives in the ticket, encrypted under the ring's keys,
  // so any worker (and the next certificate after a reload) can resume it.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  static constexpr unsigned char session_context[] = "tern-dot";
  SSL_CTX_set_session_id_context(ctx, session_context, sizeof session_context - 1);
  SSL_CTX_set_timeout(ctx, static_cast<long>(2 * tickets_->rotation().count()));
  SSL_CTX_set_ex_data(ctx, ticket_ring_index(), tickets_.get());
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key_callback);
  return context;
}

}  // namespace tern::daemon
