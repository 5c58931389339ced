// Prints a generated section of the man pages in roff, from the settings table:
// no argument, the SETTINGS section of ternd.yaml(5); "restart-list", the restart-only settings
// that ternd(8) and ternd.yaml(5) list under reloading. man/update-settings.sh splices them in
// between the marker comments.
#include "daemon/config/settings_table.hpp"

#include <iostream>
#include <string_view>

int main(int argc, char** argv) {
  const std::string_view what = argc > 1 ? argv[1] : "";
  if (what == "restart-list") {
    std::cout << tern::daemon::restart_settings_man_list();
  } else if (what.empty()) {
    std::cout << tern::daemon::settings_man_section();
  } else {
    std::cerr << "usage: gen_settings_doc [restart-list]\n";
    return 2;
  }
  return std::cout.good() ? 0 : 1;
}
