"""A small HTTP server for the demo job site, with the misbehaviours real sites show.

Static files come from ``site/``: HTML career pages, and vendor-shaped feeds where a path with
no extension serves ``<path>.json`` or ``<path>.xml`` (``/greenhouse/v1/boards/x/jobs``).
Every file has an ETag and Last-Modified and answers conditional requests with 304.

Under ``/test/`` are behaviours for the fetcher's tests, counted per server instance:
``/test/retry-after`` (429 with Retry-After: 1, then 200), ``/test/flaky`` (500, then 200),
``/test/slow`` (answers after 3 s), ``/test/hits`` (requests per path, as JSON) and
``/test/headers`` (the request's headers, as JSON).
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import json
import mimetypes
import threading
import time
from collections import Counter
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

SITE_DIR = Path(__file__).resolve().parent / "site"
STARTED = email.utils.formatdate(usegmt=True)


class DemoSiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site_dir: Path = SITE_DIR) -> None:
        super().__init__(address, DemoSiteHandler)
        self.site_dir = site_dir
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def count(self, path: str) -> int:
        with self.lock:
            self.hits[path] += 1
            return self.hits[path]


class DemoSiteHandler(BaseHTTPRequestHandler):
    server: DemoSiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: `sinyal run` shows the scraper's own progress instead

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        hits = self.server.count(path)
        behaviour = TEST_ROUTES.get(path)
        if behaviour is not None:
            behaviour(self, hits)
            return
        file = self._resolve(path)
        if file is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
            return
        body = file.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self._send(HTTPStatus.NOT_MODIFIED, b"", None, {"ETag": etag})
            return
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if content_type == "application/json":
            content_type += "; charset=utf-8"
        self._send(HTTPStatus.OK, body, content_type, {"ETag": etag, "Last-Modified": STARTED})

    def _resolve(self, path: str) -> Path | None:
        relative = path.lstrip("/").rstrip("/") or "careers/index.html"
        root = self.server.site_dir.resolve()
        for candidate in (
            relative,
            f"{relative}.json",
            f"{relative}.xml",
            f"{relative}/index.html",
        ):
            file = (root / candidate).resolve()
            if file.is_file() and root in file.parents:
                return file
        return None

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


def _ok_json(handler: DemoSiteHandler, payload: object) -> None:
    handler._send(HTTPStatus.OK, json.dumps(payload).encode(), "application/json")


def _retry_after(handler: DemoSiteHandler, hits: int) -> None:
    if hits == 1:
        handler._send(
            HTTPStatus.TOO_MANY_REQUESTS, b"slow down", "text/plain", {"Retry-After": "1"}
        )
    else:
        _ok_json(handler, {"ok": True, "attempt": hits})


def _flaky(handler: DemoSiteHandler, hits: int) -> None:
    if hits == 1:
        handler._send(HTTPStatus.INTERNAL_SERVER_ERROR, b"oops", "text/plain")
    else:
        _ok_json(handler, {"ok": True, "attempt": hits})


def _slow(handler: DemoSiteHandler, hits: int) -> None:
    time.sleep(3)
    _ok_json(handler, {"ok": True})


def _headers(handler: DemoSiteHandler, hits: int) -> None:
    _ok_json(handler, dict(handler.headers.items()))


def _hits(handler: DemoSiteHandler, hits: int) -> None:
    with handler.server.lock:
        _ok_json(handler, dict(handler.server.hits))


TEST_ROUTES = {
    "/test/retry-after": _retry_after,
    "/test/flaky": _flaky,
    "/test/slow": _slow,
    "/test/hits": _hits,
    "/test/headers": _headers,
}


def serve(host: str, port: int) -> None:
    server = DemoSiteServer((host, port))
    print(f"demo job site on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Sinyal's demo job site.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8800)
    args = parser.parse_args()
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
