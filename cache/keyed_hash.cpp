#include "cache/keyed_hash.hpp"

#include <sys/random.h>

#include <stdexcept>

namespace tern::cache {

HashKey random_hash_key() {
  HashKey key;
  std::uint64_t words[2];
  if (getrandom(words, sizeof words, 0) != sizeof words)
    throw std::runtime_error("getrandom failed: no key for the cache hash");
  key.k0 = words[0];
  key.k1 = words[1];
  return key;
}

}  // namespace tern::cache
