// How many labels of a name the next QNAME-minimised query reveals (RFC 9156 §2.3): a pure
// function, so that the bound on extra queries for long names is unit-tested directly.
#pragma once

#include "resolver/limits.hpp"

#include <algorithm>
#include <cstddef>

namespace tern::resolver {

/// The label count of the next query's name, given `revealed` labels shown so far, the full
/// name's `total` labels and the minimised queries already sent for this name. Returns
/// `total` (ask the full name) once the budget of minimised steps is spent. The first
/// minimise_one_label_steps steps add one label each (what most names need); after that the
/// labels left are spread over the steps left, so that a 30-label name costs at most
/// max_minimise_steps extra queries, not 30.
constexpr std::size_t minimised_label_count(std::size_t revealed, std::size_t total, unsigned steps_done) {
  if (revealed >= total || steps_done >= limits::max_minimise_steps) return total;
  if (steps_done < limits::minimise_one_label_steps) return revealed + 1;
  // Steps left, plus the final full-name query, share the labels left.
  const std::size_t shares = limits::max_minimise_steps - steps_done + 1;
  const std::size_t left = total - revealed;
  return std::min(total, revealed + std::max<std::size_t>(1, (left + shares - 1) / shares));
}

}  // namespace tern::resolver
