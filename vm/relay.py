#!/usr/bin/python3
"""QEMU's guestfwd command (vm/boot.sh): one guest connection to the broker's address in the VM becomes one TCP
connection to 127.0.0.1:PORT on the host. QEMU spawns this per connection with the guest's stream on stdin and
stdout. Only the loopback address is ever dialled.
Usage: relay.py PORT"""
import os
import selectors
import socket
import sys

port = int(sys.argv[1])
host = socket.create_connection(("127.0.0.1", port))
sel = selectors.DefaultSelector()
sel.register(0, selectors.EVENT_READ)
sel.register(host, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        if key.fileobj == 0:
            data = os.read(0, 65536)
            if not data:
                host.shutdown(socket.SHUT_WR)
                sel.unregister(0)
                continue
            host.sendall(data)
        else:
            data = host.recv(65536)
            if not data:
                sys.exit(0)
            view = memoryview(data)
            while view:
                view = view[os.write(1, view):]
