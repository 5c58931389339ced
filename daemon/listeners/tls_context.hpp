// The server side of DNS over TLS (RFC 7858): the OpenSSL context ternd hands to every DoT
// connection (protocol versions, cipher suites, ALPN, certificate and key) and the session-
// ticket keys that let a returning client resume without a full handshake. OpenSSL calls of
// the daemon live here and in tls_listener.cpp only.
#pragma once

#include "daemon/config/config.hpp"

#include <asio/ssl/context.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace tern::daemon {

/// A certificate or key that cannot be used; the message names the file and says why.
class TlsSetupError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Session-ticket keys (RFC 5077; RFC 8446 §4.6.1 in TLS 1.3): a current key that encrypts new
/// tickets and the previous one, still accepted so that rotation does not cost every returning
/// client a full handshake. Keys are random, in memory only, and replaced every `rotation`
/// (checked once a second by the daemon's timer, and whenever a ticket is made or opened); a
/// key two rotations old is forgotten.
/// Shared by every worker thread: guarded by a mutex.
class TicketKeyRing {
 public:
  explicit TicketKeyRing(std::chrono::seconds rotation);
  void set_rotation(std::chrono::seconds rotation);
  std::chrono::seconds rotation() const;
  /// Replaces the current key when it has served its period (the daemon's 1 s timer).
  void rotate_if_due();

  /// The body of OpenSSL's ticket-key callback (SSL_CTX_set_tlsext_ticket_key_evp_cb): 1 =
  /// use the key, 2 = ticket valid but made with the previous key (issue a new one), 0 =
  /// unknown key (full handshake), -1 = failure.
  int ticket_key(unsigned char* key_name, unsigned char* iv, void* cipher_ctx, void* mac_ctx, int encrypt);

 private:
  struct Key {
    std::array<unsigned char, 16> name;
    std::array<unsigned char, 32> aes;   ///< AES-256-CBC key of the ticket body
    std::array<unsigned char, 32> hmac;  ///< HMAC-SHA256 key of the ticket
    std::chrono::steady_clock::time_point made;
  };
  static Key random_key();
  void rotate_if_due_locked();  ///< the caller holds mutex_

  mutable std::mutex mutex_;
  std::chrono::seconds rotation_;
  Key current_;
  std::optional<Key> previous_;
};

/// One loaded certificate and key with the settings every DoT connection shares. Connections
/// hold it (shared_ptr) so that a reload never pulls it from under an open one.
struct TlsServerContext {
  std::shared_ptr<TicketKeyRing> tickets;  ///< declared first: outlives `ssl`, which points at it
  asio::ssl::context ssl;
  explicit TlsServerContext(std::shared_ptr<TicketKeyRing> ring);
};

/// The application protocol a listener speaks, chosen by ALPN (RFC 7301): "dot" on tls-listen
/// (RFC 7858), "h2" on https-listen (RFC 8484 §5.2: HTTP/2). One context serves both, so they
/// share the certificate, its reload and the session-ticket keys.
enum class TlsAlpn { dot, h2 };
/// Makes `ssl` (a new server connection) select `alpn`; a connection not told selects "dot".
void set_listener_alpn(SSL* ssl, TlsAlpn alpn);

/// The context new handshakes use; replaced whole on reload (SIGHUP, ternctl reload).
class TlsContextStore {
 public:
  /// Loads tls-certificate and tls-private-key; throws TlsSetupError saying why it cannot.
  explicit TlsContextStore(const Config& config);

  std::shared_ptr<TlsServerContext> current() const;
  /// Rotates the session-ticket key when due; called by the daemon's once-a-second timer.
  void rotate_ticket_keys_if_due() { tickets_->rotate_if_due(); }

  /// Loads the files again (they may have been replaced); on failure logs why and keeps
  /// serving with the old certificate and key. Returns whether the new pair is in use.
  bool reload(const Config& config);

 private:
  std::shared_ptr<TlsServerContext> load(const Config& config) const;

  std::shared_ptr<TicketKeyRing> tickets_;
  mutable std::mutex mutex_;
  std::shared_ptr<TlsServerContext> current_;  ///< never null
};

}  // namespace tern::daemon
