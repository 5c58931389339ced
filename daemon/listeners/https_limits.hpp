// The bounds of DNS over HTTPS (RFC 8484) on HTTP/2 (RFC 9113): each names the attack it stops.
// The settings (https-max-streams, tls-max-connections and its per-client bound, the idle and
// handshake timeouts) are in ternd.yaml(5); these are the fixed ones.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tern::daemon {

/// SETTINGS_MAX_HEADER_LIST_SIZE: the headers of one request (name + value + 32 per field, RFC
/// 9113 §6.5.2) beyond this get 431. Stops a client from making ternd keep megabytes of headers
/// per stream (HPACK bombs: a small frame that decodes to huge headers). A GET's base64url query
/// of the largest sensible size (4 KiB of DNS message) fits with room to spare.
inline constexpr std::size_t https_max_header_list = 16384;

/// The largest DNS message a request may carry (RFC 8484 §6: a DNS message, at most 65535
/// octets); a longer POST body or ?dns= value gets 413. Bounds what one stream buffers.
inline constexpr std::size_t https_max_message = 65535;

/// SETTINGS_INITIAL_WINDOW_SIZE: what a client may send on one stream before ternd reads it, one
/// whole DNS message. The connection's window (below) bounds the sum over its streams, so that
/// a client opening every stream at once cannot make ternd buffer streams x message.
inline constexpr std::int32_t https_stream_window = 65535;
inline constexpr std::int32_t https_connection_window = 1 << 20;

/// HTTP/2 rapid reset (CVE-2023-44487): a client opens streams and cancels them at once, so the
/// concurrent-streams bound never holds while ternd starts a resolution for each. Each reset a
/// client sends takes a token from a bucket of this many, refilled at the rate below; an empty
/// bucket closes the connection with GOAWAY ENHANCE_YOUR_CALM (counted in https.reset-floods).
/// A browser cancels a few lookups now and then; a flood empties the bucket in one burst.
inline constexpr unsigned https_reset_burst = 100;
inline constexpr unsigned https_resets_per_second = 10;

/// Responses waiting on a connection for the client's flow-control window: at most the
/// concurrent streams' answers, each at most one DNS message; a client that stops reading
/// (window 0, the slow-read attack) is closed by the idle timeout once its streams are
/// answered, since an answered but unsent stream does not count as activity.

}  // namespace tern::daemon
