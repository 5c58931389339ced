// Prints the generated counter sections of the manual pages in roff, from the counters table:
// `gen_counters_doc ternctl` for ternctl(8)'s, `gen_counters_doc ternd` for ternd(8)'s.
// man/update-counters.sh splices them into the pages between the marker comments.
#include "daemon/observe/counters_doc.hpp"

#include <iostream>
#include <string_view>

int main(int argc, char** argv) {
  const std::string_view page = argc == 2 ? argv[1] : "";
  if (page == "ternctl") {
    std::cout << tern::daemon::counters_man_section();
  } else if (page == "ternd") {
    std::cout << tern::daemon::metrics_man_section();
  } else {
    std::cerr << "usage: gen_counters_doc ternctl|ternd\n";
    return 2;
  }
  return std::cout.good() ? 0 : 1;
}
