"""Free loopback ports, for the real servers tests and benchmarks start on 127.0.0.1."""

from __future__ import annotations

import socket

from sinyal.runtime.supervisor import port_is_free


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


__all__ = ["free_port", "port_is_free"]
