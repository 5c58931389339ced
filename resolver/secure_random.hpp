// Unpredictable numbers for query IDs, source ports and choices (RFC 5452 §9.2: both must come
// from a CSPRNG). Draws from the kernel (getrandom) in blocks; one instance per worker thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace tern::resolver {

class SecureRandom {
 public:
  std::uint16_t u16();
  std::uint32_t u32();
  /// Uniform in [0, bound), without modulo bias; bound > 0.
  std::uint32_t below(std::uint32_t bound);

 private:
  void take(void* out, std::size_t n);
  std::array<std::uint8_t, 512> pool_{};
  std::size_t used_ = pool_.size();  ///< octets of pool_ already handed out
};

}  // namespace tern::resolver
