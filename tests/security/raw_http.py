"""A raw HTTP/1.1 GET over a socket: the request target goes to the server byte for byte
(no client normalises `..`, `//` or percent-escapes on the way)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

TIMEOUT = 10.0


def raw_get(http_url: str, target: bytes | str) -> tuple[int | None, dict[str, str], bytes]:
    """(status or None if the server answered no HTTP, headers lower-cased, body)."""
    if isinstance(target, str):
        target = target.encode("latin-1")
    url = urlsplit(http_url)
    with socket.create_connection((url.hostname, url.port), timeout=TIMEOUT) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + url.netloc.encode()
                     + b"\r\nConnection: close\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        if not lines[0].startswith("HTTP/"):
            return None, {}, data
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "-1"))
        while length < 0 or len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return status, headers, body
