"""Hostile job sites on loopback, standing in for what sites on the internet do to a scraper:
the demo job site's pages (same robots.txt, same pages) plus a 50 MB page, a gzip bomb, a page
of any size, redirects anywhere and a redirect loop.

The trap site listens on 127.0.0.2, so a test can let it play a public host
(``stand_in_public``) while the plain demo site on 127.0.0.1 stays loopback: a redirect from one
to the other is a redirect from "the internet" into the machine. Both are real HTTP servers;
nothing of the HTTP layer is mocked.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import cache
from http import HTTPStatus
from ipaddress import IPv4Address, IPv6Address, ip_address
from urllib.parse import parse_qs, urlsplit

from scrapers.address_guard import is_public_address
from scrapers.demo_site.server import DemoSiteHandler, DemoSiteServer

STAND_IN_PUBLIC = ip_address("127.0.0.2")
HUGE_BYTES = 50 * 1024 * 1024
BOMB_DECODED_BYTES = 1024 * 1024 * 1024


def stand_in_public(address: IPv4Address | IPv6Address) -> bool:
    """The real check, except that 127.0.0.2 (the trap site) counts as a public address."""
    return address == STAND_IN_PUBLIC or is_public_address(address)


@cache
def gzip_bomb() -> bytes:
    """1 GB of zeros, gzip-compressed to about 1 MB, built a megabyte at a time (once)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(BOMB_DECODED_BYTES // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)


class TrapSiteServer(DemoSiteServer):
    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address)
        self.RequestHandlerClass = TrapSiteHandler  # the demo site's handler, plus the traps


class TrapSiteHandler(DemoSiteHandler):
    server: TrapSiteServer

    def handle(self) -> None:
        with suppress(BrokenPipeError, ConnectionResetError):  # the fetcher hung up at its cap
            super().handle()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        trap = TRAPS.get(parts.path)
        if trap is None:
            super().do_GET()
            return
        self.server.count(parts.path)
        trap(self, {name: values[0] for name, values in parse_qs(parts.query).items()})

    def stream(self, size: int, headers: dict[str, str]) -> None:
        """``size`` bytes of HTML-ish filler, written a megabyte at a time."""
        self.send_response(HTTPStatus.OK)
        for name, value in {"Content-Type": "text/html", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        block = b"<p>" + b"x" * (1024 * 1024 - 3)
        while size > 0:
            self.wfile.write(block[:size])
            size -= len(block)


def _huge(handler: TrapSiteHandler, query: dict[str, str]) -> None:
    handler.stream(HUGE_BYTES, {})


def _sized(handler: TrapSiteHandler, query: dict[str, str]) -> None:
    handler.stream(int(query["bytes"]), {})


def _bomb(handler: TrapSiteHandler, query: dict[str, str]) -> None:
    handler._send(HTTPStatus.OK, gzip_bomb(), "text/html", {"Content-Encoding": "gzip"})


def _redirect(handler: TrapSiteHandler, query: dict[str, str]) -> None:
    handler._send(HTTPStatus.FOUND, b"", None, {"Location": query["to"]})


def _loop(handler: TrapSiteHandler, query: dict[str, str]) -> None:
    handler._send(HTTPStatus.FOUND, b"", None, {"Location": "/loop"})


TRAPS: dict[str, Callable[[TrapSiteHandler, dict[str, str]], None]] = {
    "/huge": _huge,
    "/sized": _sized,
    "/bomb": _bomb,
    "/redirect": _redirect,
    "/loop": _loop,
}


def serve(server: DemoSiteServer) -> Iterator[DemoSiteServer]:
    """``server`` serving in a daemon thread; shut down and closed when resumed (for fixtures)."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()
