// The example zones of the DNSSEC RFCs as NSEC / NSEC3 records, for the denial tests:
// RFC 4035 appendix A (NSEC chain of example.) and RFC 5155 appendix A (NSEC3 chain of
// example., SHA-1, opt-out, 12 iterations, salt aabbccdd).
#pragma once

#include "helpers.hpp"

#include <vector>

namespace tern::test::dnssec_zones {

/// RFC 4035 appendix A: the NSEC chain of example., in canonical order.
inline std::vector<dns::Record> rfc4035_nsec_chain() {
  return rrs({
      "example. 3600 IN NSEC a.example. NS SOA MX RRSIG NSEC DNSKEY",
      "a.example. 3600 IN NSEC ai.example. NS DS RRSIG NSEC",
      "ai.example. 3600 IN NSEC b.example. A HINFO AAAA RRSIG NSEC",
      "b.example. 3600 IN NSEC ns1.example. NS RRSIG NSEC",
      "ns1.example. 3600 IN NSEC ns2.example. A RRSIG NSEC",
      "ns2.example. 3600 IN NSEC *.w.example. A RRSIG NSEC",
      "*.w.example. 3600 IN NSEC x.w.example. MX RRSIG NSEC",
      "x.w.example. 3600 IN NSEC x.y.w.example. MX RRSIG NSEC",
      "x.y.w.example. 3600 IN NSEC xx.example. MX RRSIG NSEC",
      "xx.example. 3600 IN NSEC example. A HINFO AAAA RRSIG NSEC",
  });
}

/// RFC 5155 appendix A: the NSEC3 chain of example., in hash order. Every record has the
/// opt-out flag: c.example. is an unsigned delegation without an NSEC3 of its own.
inline std::vector<dns::Record> rfc5155_nsec3_chain() {
  return rrs({
      "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example. 3600 IN NSEC3 1 1 12 aabbccdd "
      "2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG",
      "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. 3600 IN NSEC3 1 1 12 aabbccdd "
      "2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG",
      "2vptu5timamqttgl4luu9kg21e0aor3s.example. 3600 IN NSEC3 1 1 12 aabbccdd "
      "35mthgpgcu1qg68fab165klnsnk3dpvl MX RRSIG",
      "35mthgpgcu1qg68fab165klnsnk3dpvl.example. 3600 IN NSEC3 1 1 12 aabbccdd "
      "b4um86eghhds6nea196smvmlo4ors995 NS DS RRSIG",
      "b4um86eghhds6nea196smvmlo4ors995.example. 3600 IN NSEC3 1 1 12 aabbccdd "
      "gjeqe526plbf1g8mklp59enfd789njgi MX RRSIG",
      "gjeqe526plbf1g8mklp59enfd789njgi.example. 3600 IN NSEC3 1 1 12 aabbccdd "
      "ji6neoaepv8b5o6k4ev33abha8ht9fgc A HINFO AAAA RRSIG",
      "ji6neoaepv8b5o6k4ev33abha8ht9fgc.example. 3600 IN NSEC3 1 1 12 aabbccdd "
      "k8udemvp1j2f7eg6jebps17vp3n8i58h",
      "k8udemvp1j2f7eg6jebps17vp3n8i58h.example. 3600 IN NSEC3 1 1 12 aabbccdd "
      "kohar7mbb8dc2ce8a9qvl8hon4k53uhi",
      "kohar7mbb8dc2ce8a9qvl8hon4k53uhi.example. 3600 IN NSEC3 1 1 12 aabbccdd "
      "q04jkcevqvmu85r014c7dkba38o0ji5r A RRSIG",
      "q04jkcevqvmu85r014c7dkba38o0ji5r.example. 3600 IN NSEC3 1 1 12 aabbccdd "
      "r53bq7cc2uvmubfu5ocmm6pers9tk9en A RRSIG",
      "r53bq7cc2uvmubfu5ocmm6pers9tk9en.example. 3600 IN NSEC3 1 1 12 aabbccdd "
      "t644ebqk9bibcna874givr6joj62mlhv MX RRSIG",
      "t644ebqk9bibcna874givr6joj62mlhv.example. 3600 IN NSEC3 1 1 12 aabbccdd "
      "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A HINFO AAAA RRSIG",
  });
}

/// The records of `chain` whose owner starts with each given hash label, in that order.
inline std::vector<dns::Record> pick(const std::vector<dns::Record>& chain,
                                     std::initializer_list<const char*> hash_prefixes) {
  std::vector<dns::Record> out;
  for (const char* prefix : hash_prefixes) {
    bool found = false;
    for (const dns::Record& rr : chain) {
      if (rr.owner.to_text().rfind(prefix, 0) == 0) {
        out.push_back(rr);
        found = true;
      }
    }
    REQUIRE(found);
  }
  return out;
}

}  // namespace tern::test::dnssec_zones
