// What the kernel and the allocator say about the whole process, read when a report is made
// (ternctl stats, /metrics), never on a query's path: resident memory, open descriptors, heap.
// Issue 16's flood grew ternd's RSS and descriptors without bound; these show it from inside.
#pragma once

#include <cstdint>

namespace tern::daemon {

struct ProcessGauges {
  std::uint64_t resident_bytes = 0;  ///< RSS (/proc/self/statm); 0 when /proc is not there (chroot)
  std::uint64_t open_fds = 0;        ///< entries of /proc/self/fd; 0 when /proc is not there
  std::uint64_t heap_bytes = 0;      ///< malloc'd and in use (mallinfo2: arenas and mmapped blocks)
};

/// Reads them now (a few system calls; mallinfo2 takes every arena's lock once).
ProcessGauges read_process_gauges();

}  // namespace tern::daemon
