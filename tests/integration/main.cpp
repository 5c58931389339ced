// Catch2 runner of the integration tests: emergency handlers first (a meson timeout or Ctrl-C
// still stops ternd and the lab), then the session; the lab is stopped when the run ends.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "support/emergency.hpp"
#include "support/lab.hpp"

int main(int argc, char* argv[]) {
  tern::itest::install_emergency_handlers();
  int result = Catch::Session().run(argc, argv);
  tern::itest::Lab::shutdown();
  return result;
}
