// Catch2 events the fixtures need: the start of the run (emergency handlers, so that a meson
// timeout or Ctrl-C still stops ternd and the lab), which test failed (keep logs), the end of the
// run (stop the lab) and fatal signals inside a test (kill ternd, stop the lab before Catch2
// re-raises). The binary uses the shared Catch2 main (tests/support/catch_main.cpp).
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include "support/emergency.hpp"
#include "support/failures.hpp"
#include "support/lab.hpp"

namespace tern::itest {

namespace {
bool current_failed = false;
bool current_ok_to_fail = false;
bool any_failed = false;
}  // namespace

bool current_test_failed() { return current_failed; }
bool keep_current_artifacts() { return current_failed && !current_ok_to_fail; }
bool any_test_failed() { return any_failed; }
void mark_test_failed() {
  current_failed = true;
  if (!current_ok_to_fail) any_failed = true;
}
void start_test_case(bool ok_to_fail) {
  current_failed = false;
  current_ok_to_fail = ok_to_fail;
}

struct IntegrationListener : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;

  void testRunStarting(const Catch::TestRunInfo& info) override {
    TestEventListenerBase::testRunStarting(info);
    install_emergency_handlers();
  }
  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    TestEventListenerBase::testCaseStarting(info);
    start_test_case(info.okToFail());
  }
  bool assertionEnded(const Catch::AssertionStats& stats) override {
    if (!stats.assertionResult.isOk()) mark_test_failed();
    return true;
  }
  void testRunEnded(const Catch::TestRunStats& stats) override {
    TestEventListenerBase::testRunEnded(stats);
    Lab::shutdown();
  }
  void fatalErrorEncountered(Catch::StringRef) override {
    mark_test_failed();
    emergency_cleanup();
  }
};

}  // namespace tern::itest

using tern::itest::IntegrationListener;
CATCH_REGISTER_LISTENER(IntegrationListener)
