"""Many slow job hosts on loopback: each port of 127.0.0.1 is a host of its own to the fetcher's
politeness (it is keyed by host:port), and each answers a Lever-shaped postings feed after a
delay, as a real ATS does. robots.txt answers at once (a static file) with the rules given.

Every request is noted with its arrival time (``hits``), so a test can check the spacing a
host saw, measured where it counts: at the host. A site named ``hang...`` never finishes its
answer: it trickles a chunk now and then, so no read timeout fires and only a task's time
limit ends it.

In-process (``SlowHosts(...).start()``, for tests) or as its own process, so its work does not
share the scraper's cores and GIL (the benchmark)::

    python -m tests.support.slow_hosts --hosts 500 --delay 0.2   # prints the ports, one line
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TITLES = ["Pflegefachkraft (m/w/d)", "Senior Java-Entwickler (m/w/d)", "Lagerleiter (m/w/d)"]
CREATED_MS = 1_767_225_600_000  # 2026-01-01, so the postings are long open by the scan


@dataclass(frozen=True)
class Hit:
    port: int
    path: str
    at: float  # time.monotonic() of this process when the request had arrived


def postings(site: str, count: int) -> list[dict[str, object]]:
    """The Lever feed of ``site``: ``count`` postings whose ids name the site."""
    return [
        {
            "id": f"{site}-{k}",
            "text": TITLES[k % len(TITLES)],
            "categories": {"location": "Hamburg", "commitment": "Full-time"},
            "createdAt": CREATED_MS - k * 86_400_000,
            "hostedUrl": f"https://jobs.example/{site}/{k}",
        }
        for k in range(count)
    ]


@dataclass
class SlowHosts:
    hosts: int
    delay: float = 0.2
    robots: str = "User-agent: *\nAllow: /\n"
    per_site: int = 3
    hits: list[Hit] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []

    def start(self) -> SlowHosts:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(30)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def hits_at(self, port: int, path_prefix: str = "/") -> list[float]:
        return sorted(
            h.at for h in list(self.hits) if h.port == port and h.path.startswith(path_prefix)
        )

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._listen())
        self._ready.set()
        self._loop.run_forever()
        # Stopped: end the answers still running (a trickle never ends by itself), then close.
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        for server in self._servers:
            server.close()
        self._loop.close()

    async def _listen(self) -> None:
        for _ in range(self.hosts):
            server = await asyncio.start_server(self._answer, "127.0.0.1", 0, backlog=512)
            self._servers.append(server)
            self.ports.append(server.sockets[0].getsockname()[1])

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = writer.get_extra_info("sockname")[1]
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = urlsplit(head.split(b" ", 2)[1].decode()).path
            self.hits.append(Hit(port, path, time.monotonic()))
            await self._respond(writer, path)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _respond(self, writer: asyncio.StreamWriter, path: str) -> None:
        if path == "/robots.txt":
            await self._send(writer, self.robots.encode(), "text/plain")
            return
        site = path.rstrip("/").rsplit("/", 1)[-1]
        if site.startswith("hang"):
            await self._trickle(writer)
            return
        await asyncio.sleep(self.delay)
        body = json.dumps(postings(site, self.per_site)).encode()
        await self._send(writer, body, "application/json")

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, body: bytes, content_type: str) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type.encode() + b"\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
        )
        await writer.drain()

    @staticmethod
    async def _trickle(writer: asyncio.StreamWriter) -> None:
        """A chunked answer that never ends: one chunk of JSON whitespace every 0.3 s."""
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n1\r\n[\r\n"
        )
        while True:
            await writer.drain()
            await asyncio.sleep(0.3)
            writer.write(b"1\r\n \r\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--delay", type=float, default=0.2)
    args = parser.parse_args()
    hosts = SlowHosts(args.hosts, args.delay).start()
    print(json.dumps(hosts.ports), flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin (or ends us)


if __name__ == "__main__":
    main()
