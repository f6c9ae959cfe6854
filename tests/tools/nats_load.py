#!/usr/bin/env python3
"""Bounded loopback load on a NATS server (the core protocol and JetStream, spoken directly over
TCP): connections that subscribe (plain and queue subscriptions), publish messages of varied
sizes, make requests that others answer, and a memory-backed JetStream stream that keeps what is
published to it. Everything goes to 127.0.0.1 and stops by itself.

    nats_load.py PORT [--connections N] [--messages N]
    nats_load.Load(port).run(...)   # from a test; the connections stay open until close()
"""

import argparse
import json
import random
import socket
import time


class Conn:
    def __init__(self, port, name):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.readline()  # INFO
        self.send("CONNECT %s\r\n" % json.dumps({"verbose": False, "pedantic": False, "name": name,
                                                   "lang": "python", "version": "0", "protocol": 1}))

    def send(self, text):
        self.s.sendall(text.encode() if isinstance(text, str) else text)

    def readline(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def pub(self, subject, payload, reply=None):
        head = "PUB %s %s%d\r\n" % (subject, reply + " " if reply else "", len(payload))
        self.send(head.encode() + payload + b"\r\n")

    def sub(self, subject, sid, queue=None):
        self.send("SUB %s %s%d\r\n" % (subject, queue + " " if queue else "", sid))

    def pump(self, budget=0.0):
        """Reads what arrived (answering PINGs) for up to `budget` seconds; returns messages."""
        msgs = []
        self.s.settimeout(budget if budget > 0 else 0.0001)
        try:
            while True:
                chunk = self.s.recv(1 << 20)
                if not chunk:
                    break
                self.buf += chunk
        except (socket.timeout, BlockingIOError):
            pass
        while b"\r\n" in self.buf:
            line, rest = self.buf.split(b"\r\n", 1)
            if line.startswith(b"MSG"):
                parts = line.split()
                n = int(parts[-1])
                if len(rest) < n + 2:
                    break
                msgs.append((parts[1].decode(), parts[3].decode() if len(parts) == 5 else None, rest[:n]))
                self.buf = rest[n + 2:]
                continue
            self.buf = rest
            if line == b"PING":
                self.send("PONG\r\n")
        return msgs

    def close(self):
        self.s.close()


class Load:
    def __init__(self, port, connections=24, seed=1):
        self.port = port
        self.rng = random.Random(seed)
        self.conns = [Conn(port, "load-%d" % i) for i in range(connections)]

    def run(self, messages=4000, seconds=20.0):
        rng, conns = self.rng, self.conns
        deadline = time.monotonic() + seconds
        for i, c in enumerate(conns):
            c.sub("events.%d.>" % (i % 6), 1)
            c.sub("work", 2, queue="workers")
            c.sub("svc.%d" % i, 3)
        js = conns[0]
        js.sub("_INBOX.js.*", 9)
        js.pub("$JS.API.STREAM.CREATE.ORDERS", json.dumps(
            {"name": "ORDERS", "subjects": ["orders.>"], "storage": "memory", "max_msgs": 5000}).encode(),
            reply="_INBOX.js.1")
        js.pump(0.5)
        sent = 0
        while sent < messages and time.monotonic() < deadline:
            c = rng.choice(conns)
            size = rng.choice((16, 64, 200, 1024, 4096))
            payload = bytes(rng.getrandbits(8) for _ in range(8)) * (size // 8)
            kind = rng.random()
            if kind < 0.4:
                c.pub("events.%d.%s" % (rng.randrange(6), rng.choice("abc")), payload)
            elif kind < 0.6:
                c.pub("work", payload)
            elif kind < 0.8:
                c.pub("orders.%d" % rng.randrange(50), payload)
            else:  # a request another connection answers
                c.sub("_INBOX.%d" % sent, 100 + sent)
                target = rng.randrange(len(conns))
                c.pub("svc.%d" % target, payload, reply="_INBOX.%d" % sent)
                for subject, reply, _ in conns[target].pump(0.01):
                    if reply:
                        conns[target].pub(reply, b"ok")
            sent += 1
            if sent % 100 == 0:
                for x in conns:
                    x.pump()
        for x in conns:
            x.pump(0.05)
        return sent

    def close(self):
        for c in self.conns:
            c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("port", type=int)
    ap.add_argument("--connections", type=int, default=24)
    ap.add_argument("--messages", type=int, default=4000)
    a = ap.parse_args()
    load = Load(a.port, a.connections)
    print("sent %d messages" % load.run(a.messages))
    load.close()


if __name__ == "__main__":
    main()
