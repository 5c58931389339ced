#!/usr/bin/env python3
"""A slow authoritative server for tests/bench/flight_flood.sh, in user space (no netem).

Answers every question under its zone with an A record, after --delay seconds (an authority
that rate-limits or is far away), over UDP and TCP on ADDRESS:53. --truncate-every N answers
every Nth UDP question with an empty TC=1 reply (after the delay), so that resolvers retry over
TCP as issue 16's flood made them do (its 6,345 descriptors were mostly upstream TCP). It counts
what it received and prints the counts on SIGTERM. Loopback only; standard library only.
"""
import argparse
import asyncio
import signal
import struct
import sys


def parse_question(msg):
    """(id, flags, qname wire, qtype, end of question) or None for anything unexpected."""
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", msg[:6])
    if qd != 1 or flags & 0x8000:
        return None
    at = 12
    while at < len(msg) and msg[at] != 0:
        if msg[at] & 0xC0:
            return None
        at += msg[at] + 1
    at += 1
    if at + 4 > len(msg):
        return None
    qtype, = struct.unpack("!H", msg[at:at + 2])
    return qid, flags, msg[12:at], qtype, at + 4


def answer(msg, truncate):
    q = parse_question(msg)
    if q is None:
        return None
    qid, flags, qname, qtype, end = q
    rd = flags & 0x0100
    question = msg[12:end]
    if truncate:
        header = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | 0x0200 | rd, 1, 0, 0, 0)
        return header + question
    if qtype == 1:  # A
        rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes([192, 0, 2, 1])
        header = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | rd, 1, 1, 0, 0)
        return header + question + rr
    header = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | rd, 1, 0, 0, 0)  # NODATA, no SOA
    return header + question


class Udp(asyncio.DatagramProtocol):
    def __init__(self, opts, counts):
        self.opts, self.counts, self.n = opts, counts, 0

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.counts["udp"] += 1
        self.n += 1
        truncate = self.opts.truncate_every > 0 and self.n % self.opts.truncate_every == 0
        reply = answer(data, truncate)
        if reply is not None:
            asyncio.get_running_loop().call_later(self.opts.delay, self.transport.sendto, reply, addr)


async def tcp_client(reader, writer, opts, counts):
    counts["tcp_connections"] += 1
    try:
        while True:
            size = struct.unpack("!H", await reader.readexactly(2))[0]
            msg = await reader.readexactly(size)
            counts["tcp"] += 1
            reply = answer(msg, False)
            if reply is None:
                break
            await asyncio.sleep(opts.delay)
            writer.write(struct.pack("!H", len(reply)) + reply)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("address")
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--delay", type=float, default=2.0)
    p.add_argument("--truncate-every", type=int, default=0)
    opts = p.parse_args()
    counts = {"udp": 0, "tcp": 0, "tcp_connections": 0}
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: Udp(opts, counts), local_addr=(opts.address, opts.port))
    server = await asyncio.start_server(lambda r, w: tcp_client(r, w, opts, counts), opts.address, opts.port,
                                        backlog=4096)
    stop = asyncio.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    print("ready", flush=True)
    await stop.wait()
    server.close()
    print(" ".join(f"{k}={v}" for k, v in counts.items()), flush=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
