#!/usr/bin/env python3
"""Counts the round trips of SMTP connections: a TCP proxy without delay that
sits between the client and latency_proxy.py and, per connection, counts the
client's flights.

A flight is what the client sends before the server answers: client bytes
up to the next server bytes (a pipelined group is one flight, and so is TLS's
Finished with the EHLO written right behind it). Only answered flights count:
each costs a round trip to the relay, while a last write nobody answers (a
TLS close_notify) costs none, and neither does one the client did not wait
for: an answer that comes after the client closed its side (a QUIT whose 221
the client does not read) is not counted. A server that speaks first (the SMTP greeting)
adds a half, as the client waits for it before its first flight. Standing in front of the delaying proxy, this sees
the bytes when the client sends and receives them.

    flight_counter.py --listen 127.0.0.1:3592 --target 127.0.0.1:3591 --log FILE [--max-seconds 1800]

Appends a line to FILE as each thing happens, so a reader can count from any
point on (after a warm-up, say), long-lived connections included:
"<conn> g" the server spoke first, "<conn> f" a flight was answered, where
<conn> numbers the connections from 1. Loopback only; prints "ready" once
listening.
"""
import argparse
import asyncio
import ipaddress
import sys


def hostport(text):
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not ipaddress.ip_address(host).is_loopback:
        raise argparse.ArgumentTypeError(f"{host} is not a loopback address")
    return host, int(port)


class Conn:
    def __init__(self, number, log):
        self.number = number
        self.log = log
        self.last = None          # "c" or "s": who sent the last bytes seen
        self.client_closed = False

    def saw(self, who):
        if who == "s" and self.client_closed:
            return
        if who == "s" and self.last in (None, "c"):
            self.log.write(f"{self.number} {'g' if self.last is None else 'f'}\n")
            self.log.flush()
        self.last = who


async def pump(reader, writer, conn, who):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            conn.saw(who)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        if who == "c":
            conn.client_closed = True
        try:
            writer.close()
        except Exception:
            pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=hostport, required=True)
    ap.add_argument("--target", type=hostport, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--max-seconds", type=float, default=1800)
    args = ap.parse_args()

    log = open(args.log, "a")
    count = 0

    async def handle(creader, cwriter):
        nonlocal count
        count += 1
        conn = Conn(count, log)
        try:
            sreader, swriter = await asyncio.open_connection(*args.target)
        except OSError:
            cwriter.close()
            return
        await asyncio.gather(pump(creader, swriter, conn, "c"), pump(sreader, cwriter, conn, "s"))

    server = await asyncio.start_server(handle, *args.listen)
    print("ready", flush=True)
    try:
        await asyncio.wait_for(server.serve_forever(), timeout=args.max_seconds)
    except asyncio.TimeoutError:
        pass


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
