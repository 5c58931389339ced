// The logger's levels and line formats: notice for routine events, the verbosity setting's
// levels, and the journal's "<N>" lines when stderr is the journal (JOURNAL_STREAM).
#include "resolver/log.hpp"

#include <catch2/catch.hpp>

#include <syslog.h>

#include <chrono>

using namespace tern;

TEST_CASE("log: verbosity 1 shows warnings and notices, not info", "[log]") {
  CHECK(log::level_for_verbosity(0) == log::Level::error);
  CHECK(log::level_for_verbosity(1) == log::Level::notice);
  CHECK(log::level_for_verbosity(2) == log::Level::info);
  CHECK(log::level_for_verbosity(3) == log::Level::debug);
  CHECK(log::level_for_verbosity(5) == log::Level::debug);
  for (int v = 0; v <= 3; ++v) CHECK(log::verbosity_of(log::level_for_verbosity(v)) == v);
  CHECK(log::level_name(log::Level::notice) == "notice");

  const int saved = log::threshold;
  log::threshold = static_cast<int>(log::level_for_verbosity(1));
  CHECK(log::enabled(log::Level::warning));
  CHECK(log::enabled(log::Level::notice));
  CHECK_FALSE(log::enabled(log::Level::info));
  log::threshold = saved;
}

TEST_CASE("log: JOURNAL_STREAM names stderr only when device and inode both match", "[log]") {
  CHECK(log::journal_stream_names("8:1234", 8, 1234));
  CHECK_FALSE(log::journal_stream_names("8:1234", 8, 1235));
  CHECK_FALSE(log::journal_stream_names("9:1234", 8, 1234));
  CHECK_FALSE(log::journal_stream_names("", 0, 0));
  CHECK_FALSE(log::journal_stream_names("8:", 8, 0));
  CHECK_FALSE(log::journal_stream_names(":1234", 0, 1234));
  CHECK_FALSE(log::journal_stream_names("8:1234x", 8, 1234));
  CHECK_FALSE(log::journal_stream_names("8-1234", 8, 1234));
}

TEST_CASE("log: a journal line is the sd-daemon priority and the message, nothing else", "[log]") {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1714564800123));
  CHECK(log::format_line(log::Level::error, "bad", true, t) == "<3>bad\n");
  CHECK(log::format_line(log::Level::warning, "look", true, t) == "<4>look\n");
  CHECK(log::format_line(log::Level::notice, "ternd started", true, t) == "<5>ternd started\n");
  CHECK(log::format_line(log::Level::info, "x", true, t) == "<6>x\n");
  CHECK(log::format_line(log::Level::debug, "x", true, t) == "<7>x\n");
  CHECK(log::format_line(log::Level::notice, "ternd started", false, t) ==
        "2024-05-01T12:00:00.123Z ternd[notice] ternd started\n");
}
