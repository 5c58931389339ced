// The control protocol between ternctl(8) and ternd, over a unix stream socket (control-socket,
// mode 0600: whoever can connect is root, so the protocol carries no authentication).
//
//   client -> server   ONE request line: words separated by single spaces (0x20), each word
//                      printable ASCII (0x21..0x7e), at most max_request_line octets before
//                      the terminating '\n'. Example: "cache show www.example.lab. A\n".
//   server -> client   "status N\n", then free text (lines ending in '\n'), then the server
//                      closes the connection. N is a ControlStatus: 0 ok, 1 the command
//                      failed, 2 usage error (unknown command, bad argument, bad line).
//
// One request per connection: the end of the reply is the end of the stream, so the text needs
// no framing or escaping. The server drops a connection that has not sent its line within
// request_timeout. A line longer than max_request_line gets "status 2" and "line too long".
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::daemon {

/// The octets of a request line, its '\n' not counted.
inline constexpr std::size_t max_request_line = 4096;
/// How long the server waits for the request line.
inline constexpr std::chrono::seconds request_timeout{5};

/// The status on a reply's first line; also ternctl's exit status.
enum class ControlStatus : int { ok = 0, failed = 1, usage = 2 };

/// Who sent a request (SO_PEERCRED of the connection), for the log; pid 0: not known.
struct ControlPeer {
  long pid = 0;
  long uid = -1;
};

/// What a command answers: a status and text (each line ending in '\n', or empty).
struct ControlReply {
  ControlStatus status = ControlStatus::ok;
  std::string text;
  friend bool operator==(const ControlReply&, const ControlReply&) = default;
};

/// Whether `word` may be sent as one word: non-empty, printable ASCII without spaces.
bool valid_word(std::string_view word) noexcept;

/// The request line for `words`, '\n' included; nullopt when there is no word, a word is not
/// valid_word, or the line would exceed max_request_line.
std::optional<std::string> join_request(const std::vector<std::string>& words);

/// The words of a request line (its '\n' already removed). Nullopt, with `error` saying why,
/// for an empty line, a leading, trailing or doubled space, a control or non-ASCII octet, or a
/// line longer than max_request_line.
std::optional<std::vector<std::string>> split_request(std::string_view line, std::string& error);

/// The bytes the server sends: "status N\n" and the text (a missing final '\n' is added).
std::string format_reply(const ControlReply& reply);

/// The commands with their arguments and a few words each, one per line: the body of the
/// usage texts of ternctl and of the server's "status 2" replies.
std::string_view control_commands_help();

/// Every command's synopsis ("cache show NAME [TYPE]", "stats"), from the one table that
/// check_command uses: what the daemon accepts, for tests that keep the help texts true.
std::vector<std::string> control_command_synopses();

/// Checks the command words and the number of arguments (not the arguments themselves):
/// nullopt when fine, else the message for a "status 2" reply, such as "unknown command
/// 'stauts' (did you mean 'status'?)" or "usage: cache show NAME [TYPE]". ternctl checks with it before connecting.
std::optional<std::string> check_command(const std::vector<std::string>& words);

/// Reads what the server sent back (the whole stream). Nullopt when it does not start with a
/// "status N\n" line with N one of 0, 1, 2.
std::optional<ControlReply> parse_reply(std::string_view stream);

}  // namespace tern::daemon
