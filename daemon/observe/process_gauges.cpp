#include "daemon/observe/process_gauges.hpp"

#include <dirent.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdio>

namespace tern::daemon {

namespace {

std::uint64_t resident_bytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (!statm) return 0;
  unsigned long long size = 0, resident = 0;
  const int read = std::fscanf(statm, "%llu %llu", &size, &resident);
  std::fclose(statm);
  if (read != 2) return 0;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::uint64_t open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return 0;
  std::uint64_t count = 0;
  while (const dirent* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') ++count;
  ::closedir(dir);
  return count > 0 ? count - 1 : 0;  // not the descriptor this listing itself holds
}

}  // namespace

ProcessGauges read_process_gauges() {
  ProcessGauges gauges;
  gauges.resident_bytes = resident_bytes();
  gauges.open_fds = open_fds();
  const struct mallinfo2 heap = ::mallinfo2();
  gauges.heap_bytes = heap.uordblks + heap.hblkhd;
  return gauges;
}

}  // namespace tern::daemon
