// The counter lists of the manual pages, generated from the counters table: the STATISTICS
// entries of ternctl(8) (each stats key, its text and its metric) and the METRICS list of
// ternd(8). man/update-counters.sh splices them between the pages' marker comments; a unit
// test checks that the pages hold exactly this text.
#pragma once

#include <string>

namespace tern::daemon {

/// ternctl(8)'s counter entries in roff, as kept between its GENERATED COUNTERS markers.
std::string counters_man_section();

/// ternd(8)'s metric families in roff, as kept between its GENERATED METRICS markers.
std::string metrics_man_section();

}  // namespace tern::daemon
