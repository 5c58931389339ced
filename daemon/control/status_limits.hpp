// The bounds of the live status page (http-listen, issue 22), in one place: what a client can
// make the status thread hold or do. The man page's http-listen text quotes these figures.
#pragma once

#include <chrono>
#include <cstddef>

namespace tern::daemon::status_limits {

inline constexpr std::size_t max_request = 4096;      ///< request line + headers; more: 431
inline constexpr std::size_t max_query_params = 8;    ///< NAME=VALUE pairs after '?'; more: 400
inline constexpr unsigned max_connections = 32;       ///< open HTTP connections; more are closed at once
inline constexpr unsigned max_streams = 8;            ///< of them, /events streams; more get 503
inline constexpr std::size_t ring_events = 600;       ///< events kept for Last-Event-ID (10 min of samples)
inline constexpr std::size_t backfill_events = 120;   ///< a new stream starts with the last ones of those
inline constexpr std::size_t max_pins = 8;            ///< names pinned by /watch; a ninth forgets the oldest
inline constexpr std::size_t max_authorities = 16;    ///< authorities in a sample: the most asked ones
inline constexpr std::size_t max_answer_text = 512;   ///< a pinned answer's text, cut beyond
inline constexpr std::chrono::seconds sample_interval{1};     ///< counters read, an event made
inline constexpr std::chrono::seconds heartbeat_interval{5};  ///< a comment line on every stream
inline constexpr std::chrono::seconds request_timeout{5};     ///< to send the request head
inline constexpr std::chrono::seconds write_timeout{5};       ///< a stream write not done by then: dropped

}  // namespace tern::daemon::status_limits
