#include "helpers.hpp"

#include "resolver/dns/name.hpp"

using tern::dns::Name;
using tern::test::name;

TEST_CASE("names parse, fold case and print", "[name]") {
  CHECK(name("WWW.Example.LAB").to_text() == "www.example.lab.");
  CHECK(name("www.example.lab.") == name("www.example.lab"));
  CHECK(name(".").is_root());
  CHECK(name(".").to_text() == ".");
  CHECK(name("a\\.b.lab").label_count() == 2);
  CHECK(name("a\\.b.lab").to_text() == "a\\.b.lab.");
  CHECK(name("x\\032y.lab").to_text() == "x\\032y.lab.");
  CHECK_FALSE(Name::from_text(""));
  CHECK_FALSE(Name::from_text("a..b"));
}

TEST_CASE("names enforce RFC 1035 limits", "[name]") {
  std::string label63(63, 'a'), label64(64, 'a');
  CHECK(Name::from_text(label63 + ".lab"));
  CHECK_FALSE(Name::from_text(label64 + ".lab"));
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += label63 + ".";  // 4 * 64 + 1 = 257 octets
  CHECK_FALSE(Name::from_text(long_name));
  CHECK_FALSE(Name::from_wire(std::string("\x03" "abc", 4)));  // no root label
  CHECK_FALSE(Name::from_wire(std::string("\x40", 1)));        // label type 01
  auto root_child = name("lab").child(label63);
  REQUIRE(root_child);
  CHECK(root_child->label_count() == 2);
}

TEST_CASE("name hierarchy operations", "[name]") {
  Name www = name("www.example.lab");
  CHECK(www.is_subdomain_of(name("example.lab")));
  CHECK(www.is_subdomain_of(name("lab")));
  CHECK(www.is_subdomain_of(name(".")));
  CHECK(www.is_subdomain_of(www));
  CHECK_FALSE(www.is_subdomain_of(name("ample.lab")));  // label boundary, not string suffix
  CHECK_FALSE(name("lab").is_subdomain_of(www));
  CHECK(www.parent() == name("example.lab"));
  CHECK(name(".").parent().is_root());
  CHECK(www.suffix(1) == name("lab"));
  CHECK(www.suffix(0).is_root());
  CHECK(www.suffix(3) == www);
  CHECK(www.first_label() == "www");
  CHECK(name("lab").child("EXAMPLE") == name("example.lab"));
}
