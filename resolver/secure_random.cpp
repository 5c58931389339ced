#include "resolver/secure_random.hpp"

#include <sys/random.h>

#include <cstring>
#include <stdexcept>

namespace tern::resolver {

void SecureRandom::take(void* out, std::size_t n) {
  if (used_ + n > pool_.size()) {
    std::size_t got = 0;
    while (got < pool_.size()) {
      ssize_t r = getrandom(pool_.data() + got, pool_.size() - got, 0);
      if (r < 0) throw std::runtime_error("getrandom failed: no unpredictable IDs or ports");
      got += static_cast<std::size_t>(r);
    }
    used_ = 0;
  }
  std::memcpy(out, pool_.data() + used_, n);
  std::memset(pool_.data() + used_, 0, n);  // a value handed out is never handed out again
  used_ += n;
}

std::uint16_t SecureRandom::u16() {
  std::uint16_t v;
  take(&v, sizeof v);
  return v;
}

std::uint32_t SecureRandom::u32() {
  std::uint32_t v;
  take(&v, sizeof v);
  return v;
}

std::uint32_t SecureRandom::below(std::uint32_t bound) {
  std::uint32_t limit = UINT32_MAX - UINT32_MAX % bound;
  std::uint32_t v;
  do v = u32();
  while (v >= limit);
  return v % bound;
}

}  // namespace tern::resolver
