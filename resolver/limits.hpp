// Every budget one client query may spend, in one place, each with the attack it stops.
// Hitting any of them ends the resolution with SERVFAIL: never more traffic.
#pragma once

#include <chrono>

namespace tern::resolver::limits {

/// Upstream queries per client query, sub-resolutions included. Stops NXNSAttack-style
/// amplification (a referral to many glue-less names) and referral storms (Unbound: 64ish).
inline constexpr unsigned max_upstream_queries = 50;

/// Referrals followed per name. Stops referral loops and endless delegation chains.
inline constexpr unsigned max_referrals = 24;

/// CNAME links followed per client query. Stops CNAME loops and long alias chains (BIND: 16,
/// Unbound: 11); a loop is also caught directly by remembering the names seen.
inline constexpr unsigned max_cname_hops = 12;

/// Glue-less NS names resolved per zone cut. NXNSAttack (2020): a referral to many NS names
/// without glue makes a naive resolver query each one; one reachable name is enough.
inline constexpr unsigned max_ns_lookups_per_cut = 3;

/// NS-name resolutions per client query, over all cuts. Bounds fan-out across the walk.
inline constexpr unsigned max_ns_lookups = 6;

/// Glue-less NS lookups of one cut running at the same time. The walk goes on with the first
/// address found instead of waiting out a dead name's timeouts before trying the next one
/// (Unbound: target queries in parallel, bounded by its outstanding-target limit); two keep
/// the fan-out small, and max_ns_lookups_per_cut still bounds how many are started in all.
inline constexpr unsigned max_parallel_ns_lookups = 2;

/// Nesting of sub-resolutions (resolving an NS name that needs an NS name resolved ...).
/// Stops TsuNAME-style cyclic dependencies from recursing without end.
inline constexpr unsigned max_subresolution_depth = 4;

/// QNAME-minimisation steps per name (RFC 9156 §2.3 MAX_MINIMISE_COUNT): a name with many
/// labels must not become one query per label.
inline constexpr unsigned max_minimise_steps = 10;
/// RFC 9156 §2.3 MINIMISE_ONE_LAB: the first steps reveal one label each; later steps reveal
/// several, so that a long name is still done within max_minimise_steps.
inline constexpr unsigned minimise_one_label_steps = 4;
/// QNAME-minimised queries per client query, over every name of its CNAME chain and its
/// sub-resolutions; past it names are asked in full. Keeps minimisation's extra queries from
/// eating the max_upstream_queries budget on long chains of deep names.
inline constexpr unsigned max_minimised_queries = 20;

/// Attempts against one zone's servers before giving up on it.
inline constexpr unsigned max_attempts_per_cut = 6;

/// After a root priming query that got no usable answer (RFC 8109), the next one waits this
/// long; the root hints serve the walks meanwhile. Without it, a root that never answers
/// ". NS" would be asked it again by every walk.
inline constexpr std::chrono::seconds priming_retry_interval{60};

/// Whole-walk deadline: a client gives up after a few seconds anyway.
inline constexpr std::chrono::milliseconds resolution_deadline{10000};

/// Upstream timeout bounds; the timeout itself follows the server's smoothed RTT.
inline constexpr std::chrono::milliseconds min_upstream_timeout{150};
inline constexpr std::chrono::milliseconds max_upstream_timeout{1500};
inline constexpr std::chrono::milliseconds tcp_upstream_timeout{3000};
/// The least a forwarder gets to answer: it may have to walk from the root first, so its RTT
/// on cached names says little about a cold one.
inline constexpr std::chrono::milliseconds min_forwarder_timeout{2500};

// DNSSEC validation (resolver/dnssec/). KeyTrap (CVE-2023-50387): one reply with many DNSKEYs
// sharing a key tag and many RRSIGs makes a validator that tries every RRSIG against every
// DNSKEY spend seconds of CPU. Each bound below ends the validation as bogus (EDE 6) with the
// limit's name in the reason; the figures follow PowerDNS Recursor and Unbound's fixes.

/// RRSIGs tried per RRset (cryptographically: ones failing the cheap checks cost nothing).
/// PowerDNS max-rrsigs-per-record is 2; Unbound tries up to 8. 8 leaves room for algorithm
/// rollovers (two algorithms, old and new keys) while bounding the RRSIG side of KeyTrap.
inline constexpr unsigned max_rrsigs_per_rrset = 8;

/// DNSKEYs tried for one RRSIG among those sharing its algorithm and key tag. Honest key-tag
/// collisions are rare (RFC 4034 appendix B: the tag is not unique); KeyTrap makes hundreds.
/// PowerDNS max-dnskeys is 2; 4 tolerates an unlucky rollover.
inline constexpr unsigned max_dnskeys_per_key_tag = 4;

/// Public-key operations per client query, over every RRset and zone it validates
/// (ValidationBudget::signature_verifications). PowerDNS max-signature-validations-per-query
/// is 30; Unbound val-validation-attempts 32.
inline constexpr unsigned max_signature_verifications = 32;

/// DS records that match no DNSKEY, per client query (ValidationBudget::ds_match_failures):
/// each costs a digest over a DNSKEY, and KeyTrap's DS variant offers many DS with colliding
/// key tags. PowerDNS max-ds-per-zone is 8.
inline constexpr unsigned max_ds_match_failures = 8;

/// DNSKEYs held as parsed EVP_PKEYs per worker (resolver/dnssec/crypto.hpp KeyCache): bounds
/// the memory a stream of zones with fresh keys can pin.
inline constexpr unsigned max_cached_dnskeys = 1024;
/// Labels below a secure zone searched one DS question at a time for the unsigned delegation
/// that would make unsigned data insecure (Resolver::unsigned_cut_between): each costs a
/// query, and without a bound a long name of unsigned data would buy one per label.
inline constexpr unsigned max_unsigned_cut_labels = 6;

/// NSEC3 records one denial proof considers (PowerDNS max-nsec3s-per-record: 10). A proof
/// needs at most three (closest encloser, next closer, wildcard); the NSEC3 hashing attack
/// (CVE-2023-50868) sends many, each with its own salt, to multiply the hashing. More: bogus.
inline constexpr unsigned max_nsec3_records_per_proof = 10;

/// NSEC3 SHA-1 computations per client query (ValidationBudget::nsec3_hashes): one name
/// hashed with N extra iterations costs N + 1. Stops the NSEC3 hashing attack
/// (CVE-2023-50868), where a response makes the resolver hash each candidate closest encloser
/// of a deep name with many iterations. PowerDNS (max-nsec3-hash-computations-per-query)
/// allows 600 iterations; 1510 SHA-1s are ten names at 150 iterations (the closest encloser
/// search of a name eight labels below its zone, and its wildcard) or 1510 at the 0 that
/// RFC 9276 asks for, about a third of a millisecond of CPU.
inline constexpr unsigned max_nsec3_hash_computations = 1510;

/// RFC 9276 section 3.2: NSEC3 records with more iterations are not hashed at all and make
/// the answer insecure (EDE 27), as Unbound, BIND and Knot do: past this a zone buys nothing
/// in enumeration cost and costs every resolver CPU (CVE-2023-50868).
inline constexpr unsigned max_nsec3_iterations = 150;

}  // namespace tern::resolver::limits
