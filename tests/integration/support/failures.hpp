// Whether the running test case (or any so far) has failed: fixtures keep their logs and
// directories then, and print the daemon's log. Set by the Catch2 listener in listener.cpp.
#pragma once

namespace tern::itest {

/// An assertion of the running test case failed (its ternd log is then printed).
bool current_test_failed();
/// Keep the running test's directories: it failed and is not tagged [!mayfail]/[!shouldfail].
bool keep_current_artifacts();
/// A test that must pass has failed in this run (the lab's directory is then kept).
bool any_test_failed();
void mark_test_failed();
void start_test_case(bool ok_to_fail);

}  // namespace tern::itest
