// Catch2 v2's implementation and main, compiled once for every test binary: the single header
// takes ~35 s to compile with its implementation, and each suite used to compile it again.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
