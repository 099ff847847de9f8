#!/usr/bin/env python3
"""Prints a loopback TCP port nobody listens on, below the kernel's range of local ports for outgoing
connections: a port from that range (what binding port 0 gives) can be taken by any client connection before
the broker binds it ("Address already in use"), for example while `make test` runs the demo beside other tests."""
import random
import socket

try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as ports:
        low = int(ports.read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
high = max(10_001, min(low, 32768))
for _ in range(200):
    port = random.randrange(10_000, high)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    break
else:
    raise SystemExit("no free loopback port found")
