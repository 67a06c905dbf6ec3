#!/usr/bin/env python3
"""A fixed amount of keep-alive HTTP/1.1 load, for instruction counting.

Usage: pipe_client.py PORT ROUNDS [CONNS] [PATH] [DEPTH]

Opens CONNS connections to 127.0.0.1:PORT, then ROUNDS times sends DEPTH
requests for PATH on each connection in one write and reads the DEPTH
responses back. Prints how many requests were answered. Only ever talks to
127.0.0.1, and ends when the rounds are done.
"""
import socket
import sys
import time


def main():
    port = int(sys.argv[1])
    rounds = int(sys.argv[2])
    conns = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    path = sys.argv[4] if len(sys.argv) > 4 else "/plaintext"
    depth = int(sys.argv[5]) if len(sys.argv) > 5 else 16
    req = f"GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode()
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            break
        except OSError:
            time.sleep(0.1)
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(conns)]
    # One request first, to learn the response's length (its Date header is
    # always 29 bytes, so every response has the same length).
    s = socks[0]
    s.sendall(req)
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    while len(rest) < length:
        rest += s.recv(65536)
    response_len = len(head) + 4 + length
    batch = req * depth
    answered = 1
    for _ in range(rounds):
        for s in socks:
            s.sendall(batch)
        for s in socks:
            need = response_len * depth
            got = 0
            while got < need:
                chunk = s.recv(1 << 20)
                if not chunk:
                    sys.exit("server closed the connection")
                got += len(chunk)
        answered += depth * len(socks)
    print(answered)


main()
