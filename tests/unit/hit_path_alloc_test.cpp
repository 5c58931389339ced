// The cache-hit path allocates nothing once warm (issue 5): QueryHandler::answer_from_cache,
// the function every UDP and TCP hit goes through, is called with the global operator new
// counted. A binary of its own because it replaces operator new for the whole process.
#include "query_handler_fixture.hpp"

#include "resolver/dns/cookie.hpp"

#include <atomic>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <new>

namespace {

/// Allocations made through operator new while `counting` is set (this thread only: the test
/// runs everything on one thread, and other threads' work must not be blamed on the hit path).
thread_local bool counting = false;
thread_local std::size_t allocations = 0;

void* counted_alloc(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

}  // namespace

// Every unaligned form, the nothrow ones included (std::stable_sort takes its buffer with
// nothrow new): whatever one of them allocates, one of these frees, with the same allocator.
void* operator new(std::size_t size) { return counted_alloc(size); }
void* operator new[](std::size_t size) { return counted_alloc(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (counting) ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace tern;
using namespace tern::test;

namespace {

/// Heap allocations made by `n` calls of f.
template <class F>
std::size_t allocations_of(int n, F f) {
  allocations = 0;
  counting = true;
  for (int i = 0; i < n; ++i) f();
  counting = false;
  return allocations;
}

}  // namespace

TEST_CASE("the counter sees an allocation (the test can fail)", "[alloc]") {
  std::vector<int>* leak_free = nullptr;
  CHECK(allocations_of(3, [&] {
          leak_free = new std::vector<int>(10);
          delete leak_free;
        }) == 6);  // the vector and its buffer, three times
}

TEST_CASE("the counter sees the daemon library's allocations: a hit with the query log on", "[alloc]") {
  // The query log formats a line per answer (allocating): proof that allocations made inside
  // the daemon's code are counted, so the zero below means zero.
  Fixture f;
  char dir_template[] = "/tmp/tern-alloc-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string path = std::string(dir_template) + "/queries.log";
  REQUIRE(f.query_log.configure(path).empty());
  const auto from = asio::ip::make_address("127.0.0.1");
  std::vector<std::uint8_t> out;
  REQUIRE(f.ask(query("www.example.lab")));
  const auto packet = query("www.example.lab");
  REQUIRE(f.handler.answer_from_cache(packet, from, daemon::ClientTransport::udp, out));
  CHECK(allocations_of(10, [&] {
          REQUIRE(f.handler.answer_from_cache(packet, from, daemon::ClientTransport::udp, out));
        }) >= 10);
  REQUIRE(f.query_log.configure("").empty());
  std::filesystem::remove_all(dir_template);
}

TEST_CASE("a cache hit allocates nothing once the handler is warm", "[alloc][handler]") {
  Fixture f;
  f.policy->cookies = nullptr;
  const auto from = asio::ip::make_address("127.0.0.1");
  std::vector<std::uint8_t> out;
  // Resolved once by the slow path; the TXT answer is too big for 512 octets (a TC=1 hit).
  REQUIRE(f.ask(query("www.example.lab")));
  REQUIRE(f.ask(query("big.example.lab", dns::rrtype::TXT)));
  REQUIRE(f.ask(query("www.signed")));  // an answer with its RRSIG: two wire forms
  const std::vector<std::vector<std::uint8_t>> hits{
      query("www.signed"),                                                                  // DO=0: without it
      query("www.signed", dns::rrtype::A, [](dns::Message& m) { m.edns->dnssec_ok = true; }),  // DO=1: with it
      query("www.example.lab"),
      query("WWW.Example.LAB"),                                                   // the client's case kept
      query("www.example.lab", dns::rrtype::A, [](dns::Message& m) { m.edns.reset(); }),  // no EDNS
      query("www.example.lab", dns::rrtype::A, [](dns::Message& m) { m.edns->dnssec_ok = true; }),
      query("big.example.lab", dns::rrtype::TXT, [](dns::Message& m) { m.edns.reset(); }),  // truncated
      query("big.example.lab", dns::rrtype::TXT),
  };
  auto all_hits = [&] {
    for (const auto& packet : hits) REQUIRE(f.handler.answer_from_cache(packet, from, daemon::ClientTransport::udp, out));
  };
  all_hits();  // warm: the scratch buffers reach their sizes
  CHECK(allocations_of(100, all_hits) == 0);
  // Over TCP (65535 octets allowed: the TXT answer is whole) the same.
  auto tcp_hits = [&] {
    for (const auto& packet : hits) REQUIRE(f.handler.answer_from_cache(packet, from, daemon::ClientTransport::tcp, out));
  };
  tcp_hits();
  CHECK(allocations_of(100, tcp_hits) == 0);
}

TEST_CASE("a cache hit with a DNS cookie allocates nothing once warm", "[alloc][handler][cookies]") {
  Fixture f;
  daemon::CookieSecrets secrets(std::chrono::seconds(3600), daemon::unix_now());
  f.policy->cookies = &secrets;
  const auto from = asio::ip::make_address("127.0.0.1");
  REQUIRE(f.ask(query("www.example.lab")));
  const auto with_cookie = query("www.example.lab", dns::rrtype::A,
                                 [](dns::Message& m) { m.edns->options = dns::cookie_option("clientck", ""); });
  std::vector<std::uint8_t> out;
  REQUIRE(f.handler.answer_from_cache(with_cookie, from, daemon::ClientTransport::udp, out));
  CHECK(allocations_of(100, [&] {
          REQUIRE(f.handler.answer_from_cache(with_cookie, from, daemon::ClientTransport::udp, out));
        }) == 0);
}
