// Prints the SETTINGS section of ternd.yaml(5) in roff, generated from the settings table;
// man/update-settings.sh splices it into the page between the marker comments.
#include "daemon/config/settings_table.hpp"

#include <iostream>

int main() {
  std::cout << tern::daemon::settings_man_section();
  return std::cout.good() ? 0 : 1;
}
