#!/usr/bin/env python3
"""Scrapes of a metrics page with 100 request series, for instruction counting.

Usage: scrape_client.py PORT SCRAPES

Against `harrow-app PORT epoll metrics`: first one GET and one POST to each
of the app's 50 routes (200 and 405: 100 series), then SCRAPES requests for
/metrics on one keep-alive connection, each response read whole by its
Content-Length. Prints how many scrapes were answered. Only ever talks to
127.0.0.1, and ends when the scrapes are done.
"""
import socket
import sys
import time


def exchange(sock, request):
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            sys.exit("server closed the connection")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    while len(rest) < length:
        rest += sock.recv(65536)


def main():
    port = int(sys.argv[1])
    scrapes = int(sys.argv[2])
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            break
        except OSError:
            time.sleep(0.1)
    sock = socket.create_connection(("127.0.0.1", port))
    paths = ["/plaintext", "/json"]
    for i in range(24):
        paths += [f"/api/v1/resource{i}", f"/api/v1/resource{i}/7"]
    host = f"Host: localhost:{port}\r\n"
    for path in paths:
        exchange(sock, f"GET {path} HTTP/1.1\r\n{host}\r\n".encode())
        post = f"POST {path} HTTP/1.1\r\n{host}Content-Length: 0\r\n\r\n"
        exchange(sock, post.encode())
    scrape = f"GET /metrics HTTP/1.1\r\n{host}\r\n".encode()
    for _ in range(scrapes):
        exchange(sock, scrape)
    print(scrapes)


main()
