#!/usr/bin/env python3
"""Writes the seed corpora (tests/fuzz/corpus/<target>/): small real-shaped DNS messages —
client queries and authority replies as tern sees them (compressed names, EDNS, cookies,
referrals with glue, CNAME chains, negative answers with SOA). Run once; the files are committed.
The response and cache targets take 2 and 3 leading selector octets before the packet; the
DNSSEC target takes a zone selector, a 4-octet time and records (see fuzz_dnssec.cpp), seeded
with the RFC 6605 and RFC 8080 examples."""
import base64
import os
import struct
import sys

A, NS, CNAME, SOA, MX, TXT, AAAA, OPT, DNAME, ANY = 1, 2, 5, 6, 15, 16, 28, 41, 39, 255


def name(text):
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(id_, flags, qd, an, ns, ar):
    return struct.pack("!HHHHHH", id_, flags, qd, an, ns, ar)


def question(qname, qtype):
    return name(qname) + struct.pack("!HH", qtype, 1)


def rr(owner, rtype, ttl, rdata, klass=1):
    return owner + struct.pack("!HHIH", rtype, klass, ttl, len(rdata)) + rdata


def opt(size=1232, do=False, options=b""):
    return b"\0" + struct.pack("!HHIH", OPT, size, 0x8000 if do else 0, len(options)) + options


PTR_Q = b"\xc0\x0c"  # the question name at offset 12


def soa_rdata(mname, rname, minimum=300):
    return mname + rname + struct.pack("!IIIII", 2026112501, 3600, 900, 604800, minimum)


def queries():
    cookie = struct.pack("!HH", 10, 8) + b"\x01\x02\x03\x04\x05\x06\x07\x08"
    yield "a", header(0x1234, 0x0100, 1, 0, 0, 0) + question("www.example.com", A)
    yield "aaaa_edns", header(0x2345, 0x0100, 1, 0, 0, 1) + question("www.Example.COM", AAAA) + opt()
    yield "do_cookie", header(0x3456, 0x0110, 1, 0, 0, 1) + question("lab", SOA) + opt(4096, True, cookie)
    yield "mx_noedns", header(0x4567, 0x0100, 1, 0, 0, 0) + question("mail.lab", MX)
    yield "root_ns", header(0x5678, 0x0000, 1, 0, 0, 1) + question(".", NS) + opt(512)
    yield "any", header(0x6789, 0x0100, 1, 0, 0, 1) + question("any.lab", ANY) + opt()
    # The hot path's corner: a question name written as a pointer into the header.
    yield "compressed_qname", header(0x0241, 0x0100, 1, 0, 0, 0) + b"\xc0\x00" + struct.pack("!HH", A, 1)


def replies():
    q = "www.example.com"
    base = header(0x1234, 0x8400, 1, 0, 0, 0)
    yield "answer_a", header(0x1234, 0x8400, 1, 2, 0, 0) + question(q, A) + \
        rr(PTR_Q, A, 300, bytes([192, 0, 2, 1])) + rr(PTR_Q, A, 300, bytes([192, 0, 2, 2]))
    # CNAME chain within the reply: www -> web.example.com (compressed) -> A
    yield "cname_chain", header(0x1234, 0x8400, 1, 2, 0, 0) + question(q, A) + \
        rr(PTR_Q, CNAME, 600, b"\x03web\xc0\x10") + rr(b"\xc0\x2d", A, 60, bytes([192, 0, 2, 3]))
    # referral from com to example.com, with glue
    yield "referral", header(0x1234, 0x8000, 1, 0, 2, 2) + question(q, A) + \
        rr(b"\xc0\x10", NS, 172800, b"\x03ns1\xc0\x10") + rr(b"\xc0\x10", NS, 172800, b"\x03ns2\xc0\x10") + \
        rr(b"\xc0\x2d", A, 172800, bytes([192, 0, 2, 53])) + rr(b"\xc0\x41", AAAA, 172800, bytes(15) + b"\x35")
    yield "nxdomain", header(0x1234, 0x8403, 1, 0, 1, 1) + question(q, A) + \
        rr(b"\xc0\x10", SOA, 3600, soa_rdata(b"\x03ns1\xc0\x10", b"\x0ahostmaster\xc0\x10")) + opt()
    yield "nodata", header(0x1234, 0x8400, 1, 0, 1, 0) + question(q, AAAA) + \
        rr(b"\xc0\x10", SOA, 86400, soa_rdata(b"\x03ns1\xc0\x10", b"\x0ahostmaster\xc0\x10", 60))
    # out-of-bailiwick records the scrubber must drop, and an upward referral
    yield "poison", header(0x1234, 0x8400, 1, 1, 1, 1) + question(q, A) + \
        rr(PTR_Q, A, 300, bytes([192, 0, 2, 1])) + rr(name("com"), NS, 300, name("evil.net")) + \
        rr(name("evil.net"), A, 300, bytes([203, 0, 113, 66]))
    yield "dname_txt", header(0x1234, 0x8400, 1, 2, 0, 0) + question("x.old.lab", TXT) + \
        rr(b"\xc0\x0e", DNAME, 300, name("new.lab")) + rr(PTR_Q, CNAME, 300, b"\x01x" + name("new.lab"))
    yield "servfail", header(0x1234, 0x8082, 1, 0, 0, 0) + question(q, A)
    yield "truncated", header(0x1234, 0x8600, 1, 0, 0, 0) + question(q, MX)
    yield "mx_additional", header(0x1234, 0x8400, 1, 1, 0, 1) + question("lab", MX) + \
        rr(PTR_Q, MX, 300, b"\x00\x0a\x04mail\xc0\x0c") + rr(b"\xc0\x1f", A, 300, bytes([127, 0, 0, 25]))
    del base


# fuzz_dnssec's name selectors (tests/fuzz/fuzz_dnssec.cpp `names`) and sections.
EXAMPLE_NET, WWW_EXAMPLE_NET, EXAMPLE_COM = 0, 1, 5
RRSET, RRSIG_SECTION, DNSKEY_SECTION, DS_SECTION = 0, 1, 2, 3
RRSIG, DNSKEY, DS = 46, 48, 43


def dnssec_record(owner, section, rtype, rdata):
    return struct.pack("!BBHH", owner, section, rtype, len(rdata)) + rdata


def rrsig_rdata(covered, alg, labels, ttl, expiration, inception, tag, signer, signature_b64):
    return struct.pack("!HBBIIIH", covered, alg, labels, ttl, expiration, inception, tag) + \
        name(signer) + base64.b64decode(signature_b64)


def dnssec_inputs():
    # RFC 6605 section 6.1: www.example.net. A, its RRSIG, the DNSKEY and its DS.
    p256 = dnssec_record(WWW_EXAMPLE_NET, RRSET, A, bytes([192, 0, 2, 1])) + \
        dnssec_record(WWW_EXAMPLE_NET, RRSIG_SECTION, RRSIG, rrsig_rdata(
            A, 13, 3, 3600, 1284026679, 1281607479, 55648, "example.net",
            "qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw==")) + \
        dnssec_record(EXAMPLE_NET, DNSKEY_SECTION, DNSKEY, struct.pack("!HBB", 257, 3, 13) + base64.b64decode(
            "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==")) + \
        dnssec_record(EXAMPLE_NET, DS_SECTION, DS, struct.pack("!HBB", 55648, 13, 2) + bytes.fromhex(
            "b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17"))
    yield "rfc6605_p256", bytes([EXAMPLE_NET]) + struct.pack("!I", 1282000000) + p256
    # RFC 8080 section 6.1 (erratum 4935): example.com. MX signed with Ed25519.
    ed = dnssec_record(EXAMPLE_COM, RRSET, MX, struct.pack("!H", 10) + name("mail.example.com")) + \
        dnssec_record(EXAMPLE_COM, RRSIG_SECTION, RRSIG, rrsig_rdata(
            MX, 15, 2, 3600, 1440021600, 1438207200, 3613, "example.com",
            "oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==")) + \
        dnssec_record(EXAMPLE_COM, DNSKEY_SECTION, DNSKEY, struct.pack("!HBB", 257, 3, 15) +
                      base64.b64decode("l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4="))
    yield "rfc8080_ed25519", bytes([EXAMPLE_COM]) + struct.pack("!I", 1439000000) + ed
    # The same P-256 example with the time past its expiration, and cut short mid-RRSIG.
    yield "rfc6605_expired", bytes([EXAMPLE_NET]) + struct.pack("!I", 1300000000) + p256
    yield "truncated", bytes([EXAMPLE_NET]) + struct.pack("!I", 1282000000) + p256[:40]


def write(directory, files):
    os.makedirs(directory, exist_ok=True)
    for fname, data in files:
        with open(os.path.join(directory, fname), "wb") as f:
            f.write(data)


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    qs, rs = list(queries()), list(replies())
    write(os.path.join(root, "fuzz_wire"), qs + rs)
    # selectors: (type from the reply | override, zone cut depth)
    write(os.path.join(root, "fuzz_response"),
          [(n, bytes(sel) + d) for n, d in rs for sel in [(0x00, 0x01)]] +
          [(n + "_cut0", bytes([0x80, 0x00]) + d) for n, d in rs[:3]])
    # selectors: (request flags, age, rcode)
    write(os.path.join(root, "fuzz_cache"),
          [(n, bytes([0x01, 0x03, 0x00]) + d) for n, d in rs if n not in ("nxdomain",)] +
          [("nxdomain", bytes([0x13, 0x01, 0x01]) + dict(rs)["nxdomain"])])
    write(os.path.join(root, "fuzz_dnssec"), list(dnssec_inputs()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
