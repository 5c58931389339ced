// RFC 9156 §2.3: how many labels each QNAME-minimised query reveals.
#include "resolver/minimise.hpp"

#include <catch2/catch.hpp>

using tern::resolver::minimised_label_count;
namespace limits = tern::resolver::limits;

TEST_CASE("QNAME minimisation reveals one label, then several, then the full name", "[qmin]") {
  // A name of 3 labels under a 2-label zone: one label at a time.
  CHECK(minimised_label_count(2, 5, 0) == 3);
  CHECK(minimised_label_count(3, 5, 1) == 4);
  CHECK(minimised_label_count(4, 5, 2) == 5);
  // Nothing left to reveal, or the budget spent: the full name.
  CHECK(minimised_label_count(5, 5, 0) == 5);
  CHECK(minimised_label_count(3, 40, limits::max_minimise_steps) == 40);
  // A 30-label name under a 2-label zone: never more than max_minimise_steps minimised
  // queries, each revealing more than the one before it, the first four one label each.
  std::size_t revealed = 2;
  unsigned steps = 0;
  while (true) {
    const std::size_t next = minimised_label_count(revealed, 30, steps);
    if (next >= 30) break;
    CHECK(next > revealed);
    if (steps < limits::minimise_one_label_steps) CHECK(next == revealed + 1);
    revealed = next;
    ++steps;
  }
  CHECK(steps == limits::max_minimise_steps);
  CHECK(30 - revealed <= 4);  // the last minimised step is not far from the full name
}
