// RAII owners for the ldns objects tern creates. Every ldns allocation is held by one of these
// from the moment it is made, so no error path can leak it.
#pragma once

#include <ldns/ldns.h>

#include <memory>

namespace tern::dns {

struct LdnsPktFree { void operator()(ldns_pkt* p) const noexcept { ldns_pkt_free(p); } };
struct LdnsRrFree { void operator()(ldns_rr* p) const noexcept { ldns_rr_free(p); } };
struct LdnsRdfFree { void operator()(ldns_rdf* p) const noexcept { ldns_rdf_deep_free(p); } };
struct LdnsBufferFree { void operator()(ldns_buffer* p) const noexcept { ldns_buffer_free(p); } };
struct LdnsZoneFree { void operator()(ldns_zone* p) const noexcept { ldns_zone_deep_free(p); } };
struct LdnsMallocFree { void operator()(void* p) const noexcept { LDNS_FREE(p); } };

using LdnsPkt = std::unique_ptr<ldns_pkt, LdnsPktFree>;
using LdnsRr = std::unique_ptr<ldns_rr, LdnsRrFree>;
using LdnsRdf = std::unique_ptr<ldns_rdf, LdnsRdfFree>;
using LdnsBuffer = std::unique_ptr<ldns_buffer, LdnsBufferFree>;
using LdnsZone = std::unique_ptr<ldns_zone, LdnsZoneFree>;
/// Memory ldns returns for the caller to free (wire output, strings).
using LdnsBytes = std::unique_ptr<uint8_t, LdnsMallocFree>;
using LdnsString = std::unique_ptr<char, LdnsMallocFree>;

}  // namespace tern::dns
