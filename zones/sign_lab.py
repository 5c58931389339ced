#!/usr/bin/env python3
"""sign_lab.py: signs the lab's DNSSEC zones, called by zones/lab.sh each time it renders.

Signature validity windows are relative to now, so signing happens at render time, with
ldns-signzone (ldnsutils) and the keys committed in zones/lab/keys/ (fixed keys: the DS records
and the trust anchor stay the same from run to run). zones/lab/signing.conf lists the zones, how
each denies existence (NSEC, NSEC3, NSEC3 opt-out) and the bogus or insecure case it holds; this
script reads the unsigned zones lab.sh rendered into UNSIGNED_DIR, adds to each parent the DS
records of its signed children, signs children before parents, writes the signed zones into
ZONES_DIR and the root's DS, the lab's trust anchor, into ANCHOR.

A zone whose input (text, keys, case, its children's DS) has not changed and whose signatures
were made less than RESIGN_AFTER ago is not signed again: renders stay fast and a running NSD's
files do not churn.
"""

import argparse
import base64
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DAY = 86400
RESIGN_AFTER = 7 * DAY
VALIDITY = 30 * DAY
UNKNOWN_ALGORITHM = 100  # unassigned in the IANA DNSSEC algorithm registry
UNKNOWN_DIGEST = 100  # unassigned in the IANA DS digest type registry
KEYTRAP_KEYS = 40
KEYTRAP_SIGNATURES = 40


@dataclass
class Entry:
    zone: str  # "." or "alg8.sec" (no trailing dot), as in instances.conf
    denial: str
    case: str

    @property
    def fqdn(self) -> str:
        return "." if self.zone == "." else self.zone + "."

    @property
    def file(self) -> str:
        return "root.zone" if self.zone == "." else self.zone + ".zone"

    @property
    def parent(self) -> str | None:
        if self.zone == ".":
            return None
        return self.zone.split(".", 1)[1] if "." in self.zone else "."


def read_table(path: Path) -> list[Entry]:
    entries = []
    for line in path.read_text().splitlines():
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 3:
            sys.exit(f"sign_lab.py: {path}: bad line: {line}")
        entries.append(Entry(*fields))
    return entries


def run(args: list[str], stdin: str | None = None) -> str:
    done = subprocess.run(args, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"sign_lab.py: {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


# ---- keys, key tags, DS --------------------------------------------------------------------


def key_bases(directory: Path, fqdn: str) -> list[str]:
    """The key base names (path without .key) of zone fqdn in directory."""
    return sorted(str(p)[: -len(".key")] for p in directory.glob(f"K{fqdn}+*.key"))


def dnskey_line(key_base: str) -> str:
    for line in Path(key_base + ".key").read_text().splitlines():
        if "DNSKEY" in line and not line.startswith(";"):
            return line.split(";", 1)[0].strip()
    sys.exit(f"sign_lab.py: no DNSKEY in {key_base}.key")


def dnskey_rdata(line: str) -> bytes:
    """Wire RDATA of a DNSKEY in zone-file form: flags, protocol, algorithm, public key."""
    fields = line.split()
    i = fields.index("DNSKEY")
    flags, proto, alg = int(fields[i + 1]), int(fields[i + 2]), int(fields[i + 3])
    return flags.to_bytes(2, "big") + bytes([proto, alg]) + base64.b64decode("".join(fields[i + 4 :]))


def key_tag(rdata: bytes) -> int:
    """RFC 4034 appendix B: the ones'-complement-style sum of the RDATA as 16-bit words."""
    acc = sum(b << 8 if i % 2 == 0 else b for i, b in enumerate(rdata))
    acc += (acc >> 16) & 0xFFFF
    return acc & 0xFFFF


def ds_of(key_base: str) -> str:
    """The SHA-256 DS of a key file (what ldns-key2ds -2 prints; computed here, as a process per
    key made every render slower)."""
    line = dnskey_line(key_base)
    return ds_of_rdata(line.split()[0], dnskey_rdata(line))


def ds_of_rdata(fqdn: str, rdata: bytes) -> str:
    """The SHA-256 DS of a DNSKEY's RDATA (RFC 4034 section 5.1.4)."""
    wire = b"".join(bytes([len(l)]) + l.encode() for l in fqdn.lower().rstrip(".").split(".") if l) + b"\0"
    digest = hashlib.sha256(wire + rdata).hexdigest().upper()
    alg = rdata[3]
    return f"{fqdn}\t3600\tIN\tDS\t{key_tag(rdata)} {alg} 2 {digest}"


def mangle_digest(ds: str) -> str:
    """The same DS with the last digest octet changed: tag and algorithm still match the key."""
    head, digest = ds.rsplit(None, 1)
    last = (int(digest[-2:], 16) ^ 0xFF) & 0xFF
    return f"{head} {digest[:-2]}{last:02X}"


def unknown_digest(ds: str) -> str:
    owner, ttl, cls, rtype, tag, alg, _dtype, digest = ds.split()
    return f"{owner}\t{ttl}\t{cls}\t{rtype}\t{tag} {alg} {UNKNOWN_DIGEST} {digest}"


def colliding_keys(fqdn: str, algorithm: int, tag: int, count: int) -> list[str]:
    """count junk DNSKEYs (flags 256, 64 octets of public key) whose key tag is tag: the bytes
    are a hash chain, the last two chosen so the checksum lands on tag (KeyTrap needs only the
    tag to collide; the keys need not be points on the curve)."""
    keys = []
    for i in range(count):
        body = hashlib.sha512(f"keytrap {fqdn} {i}".encode()).digest()[:62]
        prefix = (256).to_bytes(2, "big") + bytes([3, algorithm]) + body
        for carry in range(4):
            last = (tag - key_tag(prefix + b"\0\0") - carry) & 0xFFFF
            rdata = prefix + last.to_bytes(2, "big")
            if key_tag(rdata) == tag:
                break
        else:
            sys.exit(f"sign_lab.py: no colliding key {i} for tag {tag}")
        keys.append(f"{fqdn}\t3600\tIN\tDNSKEY\t256 3 {algorithm} {base64.b64encode(rdata[4:]).decode()}")
    return keys


def junk_rrsigs(owner: str, rtype: str, ttl: int, algorithm: int, tag: int, signer: str,
                window: tuple[int, int], count: int, size: int = 64) -> list[str]:
    """count RRSIGs of the right shape (labels, TTL, validity, key tag) over random bytes."""
    labels = len([l for l in owner.rstrip(".").split(".") if l and l != "*"])
    inception, expiration = (time.strftime("%Y%m%d%H%M%S", time.gmtime(t)) for t in window)
    return [
        f"{owner}\t{ttl}\tIN\tRRSIG\t{rtype} {algorithm} {labels} {ttl} {expiration} {inception} {tag} "
        f"{signer} {base64.b64encode(os.urandom(size)).decode()}"
        for _ in range(count)
    ]


# ---- signing -------------------------------------------------------------------------------


def window(case: str, now: int) -> tuple[int, int]:
    """(inception, expiration) of the zone's signatures."""
    if case == "expired":
        return now - 30 * DAY, now - DAY
    if case == "not-yet-valid":
        return now + 20 * DAY, now + 50 * DAY
    return now - 3600, now + VALIDITY  # an hour back: clocks of validators may lag


def denial_args(denial: str) -> list[str]:
    nsec3 = ["-n", "-a", "1", "-t", "0"]  # RFC 9276: no extra iterations, no salt
    return {"nsec": [], "nsec3": nsec3, "nsec3-optout": nsec3 + ["-p"],
            "nsec3-iter200": ["-n", "-a", "1", "-t", "200"]}[denial]


def canonical(text: str) -> list[str]:
    """One record per line, owner fully qualified (ldns-read-zone), no comments."""
    out = run(["ldns-read-zone", "/dev/stdin"], stdin=text)
    return [l.split(";", 1)[0].rstrip() for l in out.splitlines() if l and not l.startswith(";")]


def owner(record: str) -> str:
    return record.split(None, 1)[0].lower()


def rtype(record: str) -> str:
    return record.split()[3]


def covered(record: str) -> str:
    return record.split()[4] if rtype(record) == "RRSIG" else ""


def is_below(name: str, cut: str) -> bool:
    return name == cut or name.endswith("." + cut)


def insecure_delegations(records: list[str], fqdn: str) -> list[str]:
    """Records at or below a delegation without DS: with opt-out they stay out of the NSEC3
    chain (ldns-signzone -p only sets the flag), so they are added after signing."""
    cuts = {owner(r) for r in records if rtype(r) == "NS" and owner(r) != fqdn.lower()}
    cuts -= {owner(r) for r in records if rtype(r) == "DS"}
    return [r for r in records if any(is_below(owner(r), c) for c in cuts)]


def ldns_sign(records: list[str], entry: Entry, keys: list[str], span: tuple[int, int],
              extra: list[str]) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="sign-lab-") as tmp:
        src, dst = Path(tmp) / "in.zone", Path(tmp) / "out.zone"
        src.write_text("\n".join(records) + "\n")
        run(["ldns-signzone", "-i", str(span[0]), "-e", str(span[1]), "-f", str(dst), "-o", entry.fqdn]
            + denial_args(entry.denial) + extra + [str(src)] + keys)
        return [l.split(";", 1)[0].rstrip() for l in dst.read_text().splitlines() if l.strip()]


def crafted_key(fqdn: str) -> str:
    """A DNSKEY of the unassigned algorithm: fixed bytes, so its DS stays the same."""
    body = hashlib.sha512(f"unknown algorithm {fqdn}".encode()).digest()
    return f"{fqdn}\t3600\tIN\tDNSKEY\t257 3 {UNKNOWN_ALGORITHM} {base64.b64encode(body).decode()}"


def sign_zone(entry: Entry, records: list[str], keys_dir: Path, now: int) -> list[str]:
    """The zone as served: signed (or crafted) as its case says."""
    fqdn, case = entry.fqdn, entry.case
    keys, extra = key_bases(keys_dir, fqdn), key_bases(keys_dir / "extra", fqdn)
    span = window(case, now)
    www = "www." + fqdn
    if case == "unknown-algorithm":
        key = crafted_key(fqdn)
        tag = key_tag(dnskey_rdata(key))
        return records + [key] + junk_rrsigs(www, "A", 300, UNKNOWN_ALGORITHM, tag, fqdn, span, 1)
    if not keys:
        sys.exit(f"sign_lab.py: no key for {fqdn} in {keys_dir}")
    held = insecure_delegations(records, fqdn) if entry.denial == "nsec3-optout" else []
    to_sign = [r for r in records if r not in held]
    options: list[str] = []
    if case == "unpublished-zsk":
        # The KSK's DNSKEY is in the zone, the ZSK's is not (-d: not added from its .key file):
        # the DNSKEY RRset holds the KSK alone, signed by it; the ZSK signs everything else.
        to_sign += [dnskey_line(k) for k in keys]
        keys, options = keys + extra, ["-d"]
    tag = key_tag(dnskey_rdata(dnskey_line(keys[0])))
    if case == "keytrap":
        to_sign += colliding_keys(fqdn, 13, tag, KEYTRAP_KEYS)
    signed = ldns_sign(to_sign, entry, keys, span, options) + held
    if case in ("strip-rrsig", "keytrap"):
        signed = [r for r in signed if not (owner(r) == www and covered(r) == "A")]
    if case == "keytrap":
        signed += junk_rrsigs(www, "A", 300, 13, tag, fqdn, span, KEYTRAP_SIGNATURES)
    return signed


def parent_ds(entry: Entry, keys_dir: Path) -> list[str]:
    """The DS records the parent publishes for this zone (its case may spoil them)."""
    fqdn, case = entry.fqdn, entry.case
    if case == "unknown-algorithm":
        return [ds_of_rdata(fqdn, dnskey_rdata(crafted_key(fqdn)))]
    if case == "ds-absent-key":
        return [ds_of(k) for k in key_bases(keys_dir / "extra", fqdn)]
    ds = [ds_of(k) for k in key_bases(keys_dir, fqdn)]
    if case == "ds-mismatch":
        return [mangle_digest(d) for d in ds]
    if case == "ds-unknown-digest":
        return [unknown_digest(d) for d in ds]
    return ds


# ---- the lab's render step -----------------------------------------------------------------


def input_digest(entry: Entry, text: str, keys_dir: Path) -> str:
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(f"{entry.zone} {entry.denial} {entry.case}\n".encode())
    h.update(text.encode())
    for base in key_bases(keys_dir, entry.fqdn) + key_bases(keys_dir / "extra", entry.fqdn):
        h.update(Path(base + ".key").read_bytes())
    return h.hexdigest()


def install(path: Path, lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    if path.exists() and path.read_text() == text:
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.chmod(0o644)
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser(description="sign the lab's zones (zones/lab/signing.conf)")
    ap.add_argument("--table", type=Path, required=True, help="zones/lab/signing.conf")
    ap.add_argument("--keys", type=Path, required=True, help="zones/lab/keys")
    ap.add_argument("--unsigned", type=Path, required=True, help="the rendered unsigned zones")
    ap.add_argument("--out", type=Path, required=True, help="where NSD reads its zone files")
    ap.add_argument("--anchor", type=Path, required=True, help="the root's DS is written here")
    args = ap.parse_args()
    now = int(time.time())
    children_ds: dict[str, list[str]] = {}
    signed_count = 0
    for entry in read_table(args.table):
        text = (args.unsigned / entry.file).read_text() + "\n".join(children_ds.get(entry.zone, []))
        digest = input_digest(entry, text, args.keys)
        stamp, out = args.unsigned / (entry.file + ".signed-input"), args.out / entry.file
        fresh = (out.exists() and stamp.exists() and stamp.read_text() == digest
                 and now - out.stat().st_mtime < RESIGN_AFTER)
        if not fresh:
            install(out, sign_zone(entry, canonical(text), args.keys, now))
            stamp.write_text(digest)
            signed_count += 1
        children_ds.setdefault(entry.parent or "", []).extend(parent_ds(entry, args.keys))
    anchor = ["; the lab's trust anchor: the DS of its root key (zones/lab/keys), written by",
              "; zones/sign_lab.py; unbound: trust-anchor-file, ternd: see zones/README.md"]
    install(args.anchor, anchor + children_ds.get("", []))
    print(f"sign_lab.py: {signed_count} zone(s) signed, trust anchor {args.anchor}")


if __name__ == "__main__":
    main()
