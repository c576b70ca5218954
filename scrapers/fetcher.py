"""The one HTTP client every source uses: polite, robust, and cheap on unchanged pages.

* robots.txt is honoured (Protego: Google's rules, wildcards, Crawl-delay); a disallowed URL
  raises ``RobotsDisallowed`` and is counted, never fetched.
* per-host rate limit (default 1 request/s, or the host's Crawl-delay if longer). The limiter
  is in-process (``HostThrottle``) or shared by every worker of a scrape queue (a ``HostLimiter``
  in Redis, ``scrapers.politeness``), and so may the parsed robots.txt be (a ``RobotsStore``):
  politeness is owed per host, however many processes fetch from it.
* timeouts, and retries with exponential backoff on connection errors, 429 and 5xx, honouring
  Retry-After (urllib3's ``Retry``), capped so a hostile header cannot stall a run.
* conditional requests: the ETag / Last-Modified of each page are kept in a ``ValidatorCache``
  (the store's ``http_cache`` table in production), so an unchanged page costs a 304.
* an identifying User-Agent with a contact URL, and a cap on pages per run.
* a cap on each response body (``max_bytes``, counted after gzip/deflate decoding): the body is
  streamed and abandoned at the cap, so neither a huge page nor a small compressed bomb fills
  the memory. Over the cap is ``ResponseTooLarge``, an error of that one page.
* redirects followed one hop at a time, each hop a request of its own: checked against the
  robots.txt of its host, rate limited and counted like any page.
* sources reach public addresses only: a start URL or a redirect that leads to a loopback,
  private, link-local or otherwise non-public address is ``AddressNotAllowed`` unless the
  source is marked local (``get(..., local=True)``; see ``address_guard``).
* bodies decoded with the declared charset, else the page's own ``<meta charset>``, else a guess.
* local files (vendor exports, mirrored feeds) through ``get_file``, with their modification
  time and size as the validator, so an unchanged file is not parsed again either. Only a
  configured file source calls it: ``get`` never serves ``file://``, so no fetched page can lead
  the scraper into the local disk.
"""

from __future__ import annotations

import json
import mimetypes
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import requests
from bs4.dammit import UnicodeDammit
from protego import Protego
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from scrapers.address_guard import AddressCheck, AddressRefused, GuardedAdapter, is_public_address

REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 64 * 1024
#: What a robots.txt answering 401 or 403 means: the whole site is off limits.
DISALLOW_ALL = "User-agent: *\nDisallow: /"


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str = "SinyalBot/0.1 (+https://example.invalid/sinyal-bot)"
    requests_per_second: float = 1.0
    timeout: float = 15.0
    retries: int = 3
    backoff_factor: float = 0.5
    max_retry_after: float = 60.0
    max_pages: int = 1000
    max_bytes: int = 10 * 1024 * 1024  # per response body, decoded
    max_redirects: int = 10


class FetchError(Exception):
    """A URL could not be fetched; ``str()`` names the URL and the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class RobotsDisallowed(FetchError):
    pass


class PageCapReached(FetchError):
    pass


class ResponseTooLarge(FetchError):
    """The body passed ``max_bytes``; reading stopped there. Only this page is lost."""


class AddressNotAllowed(FetchError):
    """The URL, or a redirect from it, leads to a non-public address and the source is not
    marked local."""


@dataclass(frozen=True)
class CachedPage:
    etag: str | None
    last_modified: str | None
    content: bytes
    content_type: str | None


class ValidatorCache(Protocol):
    """Where the last 200 response of each URL is kept, to revalidate with a conditional GET."""

    def get(self, url: str) -> CachedPage | None: ...

    def put(self, url: str, page: CachedPage) -> None: ...


@dataclass
class MemoryValidatorCache:
    pages: dict[str, CachedPage] = field(default_factory=dict)

    def get(self, url: str) -> CachedPage | None:
        return self.pages.get(url)

    def put(self, url: str, page: CachedPage) -> None:
        self.pages[url] = page


@dataclass(frozen=True)
class Page:
    url: str
    status: int
    content: bytes
    content_type: str | None
    not_modified: bool = False

    @property
    def text(self) -> str:
        return decode(self.content, self.content_type)

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError as exc:
            raise FetchError(self.url, f"not valid JSON ({exc})") from None


def decode(content: bytes, content_type: str | None) -> str:
    """Bytes to text: the header's charset, else what the document declares, else a guess."""
    declared = None
    if content_type and "charset=" in content_type.lower():
        declared = content_type.lower().split("charset=")[-1].split(";")[0].strip(" \"'")
    dammit = UnicodeDammit(
        content,
        known_definite_encodings=[declared] if declared else [],
        is_html=bool(content_type and "html" in content_type.lower()),
    )
    return dammit.unicode_markup or content.decode("utf-8", errors="replace")


class BoundedRetry(Retry):
    """urllib3's Retry, but a Retry-After longer than ``max_retry_after`` is cut to it."""

    max_retry_after: float = 60.0

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)

    def new(self, **kw: Any) -> BoundedRetry:
        retry: BoundedRetry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        return retry


@dataclass
class FetchStats:
    requests: int = 0  # every HTTP request, robots.txt included
    pages: int = 0  # pages handed to sources
    not_modified: int = 0  # of those, answered 304 and served from the validator cache
    skipped_by_robots: int = 0


class HostLimiter(Protocol):
    """Spaces the requests to one host: ``wait`` returns once this request may go, at least
    ``interval`` seconds after the host's previous one. The interval is the one owed *before*
    this request, so a page fetched right after robots.txt already keeps its Crawl-delay.
    Implementations: ``HostThrottle`` (one process), ``RedisHostLimiter`` (every worker of a
    scrape queue, ``scrapers.politeness``)."""

    def wait(self, host: str, interval: float) -> None: ...


class RobotsStore(Protocol):
    """robots.txt bodies kept beyond one fetcher, so that many workers scraping one host ask
    it once, not once each, and none sends a request before its rules (Crawl-delay) are known.

    ``claim`` returns the kept body, waiting up to ``wait`` seconds for a fetch of it already
    under way; None means the caller is to fetch it, then ``put`` it (or ``release`` the claim
    when it could not be had)."""

    def claim(self, origin: str, wait: float) -> str | None: ...

    def put(self, origin: str, body: str) -> None: ...

    def release(self, origin: str) -> None: ...


class HostThrottle:
    """Spaces requests to each host at least ``interval`` seconds apart (thread-safe)."""

    def __init__(self) -> None:
        self._last_slot: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str, interval: float) -> None:
        with self._lock:
            now = time.monotonic()
            last = self._last_slot.get(host)
            slot = now if last is None else max(now, last + interval)
            self._last_slot[host] = slot
        if slot > now:
            time.sleep(slot - now)


class Fetcher:
    """``fetcher.get(url)`` -> ``Page``; raises ``FetchError`` (and subclasses) on failure."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        cache: ValidatorCache | None = None,
        *,
        defer_validators: bool = False,
        address_allowed: AddressCheck = is_public_address,
        limiter: HostLimiter | None = None,
        robots_store: RobotsStore | None = None,
        run_requests: Callable[[], int] | None = None,
    ) -> None:
        """``limiter``, ``robots_store`` and ``run_requests`` (counts one request of the whole
        run and returns the run's total) are shared by every fetcher of a queued run; left
        out, this fetcher keeps its own, as one in-process run does."""
        self.policy = policy or FetchPolicy()
        self.cache: ValidatorCache = cache if cache is not None else MemoryValidatorCache()
        # Deferred, a page's validators are only kept once ``commit_validators`` is called, i.e.
        # after the postings read from it were stored: a crash in between must not leave a
        # validator that turns the next fetch into a 304 for postings that were never saved.
        self.defer_validators = defer_validators
        self._pending: dict[str, CachedPage] = {}
        self.stats = FetchStats()
        self._robots: dict[str, Protego | None] = {}
        self._throttle: HostLimiter = limiter if limiter is not None else HostThrottle()
        self._robots_store = robots_store
        self._run_requests = run_requests
        # Separate sessions, so a connection opened for a local source is never reused for
        # another; ``address_allowed`` says which addresses count as public (tests stand a
        # loopback address in for a public one).
        self._sessions = {
            False: self._make_session(GuardedAdapter(address_allowed, max_retries=self._retry())),
            True: self._make_session(HTTPAdapter(max_retries=self._retry())),
        }

    def _retry(self) -> BoundedRetry:
        retry = BoundedRetry(
            total=self.policy.retries,
            connect=self.policy.retries,
            read=self.policy.retries,
            status=self.policy.retries,
            backoff_factor=self.policy.backoff_factor,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        retry.max_retry_after = self.policy.max_retry_after
        return retry

    def _make_session(self, adapter: HTTPAdapter) -> requests.Session:
        session = requests.Session()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["User-Agent"] = self.policy.user_agent
        return session

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        local: bool = False,
    ) -> Page:
        """The page at ``url``, after redirects. ``local`` (the source's ``local: true``) lets
        it and its redirects reach loopback and private addresses."""
        full_url = requests.Request("GET", url, params=params).prepare().url or url
        request_headers = dict(headers or {})
        cached = self.cache.get(full_url)
        if cached is not None:
            if cached.etag:
                request_headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                request_headers["If-Modified-Since"] = cached.last_modified
        with self._follow(full_url, request_headers, local) as response:
            self.stats.pages += 1
            if response.status_code >= 400:
                raise FetchError(full_url, f"HTTP {response.status_code}")
            # Read even a 304's empty body: a response read to its end frees the connection
            # for the next request, one closed unread costs a new connection.
            content = self._read_body(response, full_url)
        if response.status_code == 304 and cached is not None:
            self.stats.not_modified += 1
            return Page(full_url, 304, cached.content, cached.content_type, not_modified=True)
        page = Page(full_url, response.status_code, content, response.headers.get("Content-Type"))
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if etag or modified:
            self._remember(full_url, CachedPage(etag, modified, page.content, page.content_type))
        return page

    def get_file(self, path: Path) -> Page:
        """A local file as a page (``file://`` URL); ``not_modified`` when its modification time
        and size are those kept from the last read, as an HTTP 304 would say."""
        try:
            stat = path.stat()
            content = path.read_bytes()
        except OSError as exc:
            raise FetchError(str(path), f"cannot read: {exc.strerror or exc}") from None
        url = path.resolve().as_uri()
        content_type = mimetypes.guess_type(path.name)[0]
        validator = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        self.stats.pages += 1
        cached = self.cache.get(url)
        if cached is not None and cached.etag == validator:
            self.stats.not_modified += 1
            return Page(url, 304, content, content_type, not_modified=True)
        # The file itself is the cached body: only the validator is kept.
        self._remember(url, CachedPage(validator, None, b"", content_type))
        return Page(url, 200, content, content_type)

    def _remember(self, url: str, entry: CachedPage) -> None:
        if self.defer_validators:
            self._pending[url] = entry
        else:
            self.cache.put(url, entry)

    def commit_validators(self, keep: bool = True) -> None:
        """Keep (or, after a failed scan, drop) the validators of the pages fetched since the
        last call; see __init__. A dropped page is simply fetched in full next time."""
        if keep:
            for url, entry in self._pending.items():
                self.cache.put(url, entry)
        self._pending.clear()

    def _follow(
        self, url: str, headers: dict[str, str], local: bool, *, obey_robots: bool = True
    ) -> requests.Response:
        """The response at the end of ``url``'s redirects, its body not yet read.

        requests would follow redirects inside one call, past robots.txt and the address
        check; here each hop is a request of its own. An error on a later hop is reported
        against ``url``, the page the source asked for, and names the hop.
        """
        hop = url
        for _ in range(self.policy.max_redirects + 1):
            try:
                response = self._hop(hop, headers, local, obey_robots)
            except FetchError as exc:
                if hop == url:
                    raise
                raise type(exc)(url, f"redirected to {hop}: {exc.reason}") from None
            location = response.headers.get("Location")
            if response.status_code not in REDIRECTS or not location:
                return response
            response.close()
            hop = urljoin(hop, location)
        raise FetchError(url, f"more than {self.policy.max_redirects} redirects")

    def _hop(
        self, url: str, headers: dict[str, str], local: bool, obey_robots: bool
    ) -> requests.Response:
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError(url, "only http and https URLs are fetched")
        try:
            robots = self._robots_for(url, local) if obey_robots else None
        except AddressNotAllowed as exc:  # refused on the way to robots.txt: name the page
            raise AddressNotAllowed(url, exc.reason) from None
        if robots is not None and not robots.can_fetch(url, self.policy.user_agent):
            self.stats.skipped_by_robots += 1
            raise RobotsDisallowed(url, "disallowed by robots.txt")
        return self._request(url, headers, robots, local)

    def _request(
        self, url: str, headers: dict[str, str], robots: Protego | None, local: bool
    ) -> requests.Response:
        self._take_request(url)
        host = urlsplit(url).netloc
        interval = 1.0 / self.policy.requests_per_second if self.policy.requests_per_second else 0
        if robots is not None:
            interval = max(interval, robots.crawl_delay(self.policy.user_agent) or 0)
        self._throttle.wait(host, interval)
        try:
            return self._sessions[local].get(
                url,
                headers=headers,
                timeout=self.policy.timeout,
                allow_redirects=False,
                stream=True,  # the body is read by _read_body, up to the cap
            )
        except AddressRefused as exc:
            raise AddressNotAllowed(url, str(exc)) from None
        except requests.exceptions.RetryError as exc:
            raise FetchError(url, f"gave up after {self.policy.retries} retries ({exc})") from None
        except requests.RequestException as exc:
            raise FetchError(url, f"{type(exc).__name__}: {_short(exc)}") from None

    def _take_request(self, url: str) -> None:
        """Count one request against the run's page cap, or refuse it past the cap."""
        total = self.stats.requests + 1 if self._run_requests is None else self._run_requests()
        if total > self.policy.max_pages:
            raise PageCapReached(url, f"page cap of {self.policy.max_pages} per run reached")
        self.stats.requests += 1

    def _read_body(self, response: requests.Response, url: str) -> bytes:
        """The body, decoded, read in chunks and abandoned once past ``max_bytes``.

        Counting happens after gzip/deflate decoding, and urllib3 (>= 2.6) inflates at most
        one chunk ahead of what is read, so a megabyte of compressed zeros is stopped at the
        cap instead of growing to a gigabyte in memory first. (Brotli is only decoded when a
        brotli package is installed, and urllib3 bounds it the same way.)
        """
        body = bytearray()
        try:
            for chunk in response.iter_content(CHUNK_BYTES):
                body += chunk
                if len(body) > self.policy.max_bytes:
                    size = _size(self.policy.max_bytes)
                    raise ResponseTooLarge(url, f"response larger than {size}, cut off")
        except requests.RequestException as exc:
            raise FetchError(url, f"{type(exc).__name__}: {_short(exc)}") from None
        return bytes(body)

    def _robots_for(self, url: str, local: bool) -> Protego | None:
        """Parsed robots.txt per origin, fetched once; a missing one allows everything."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin, local)
        return self._robots[origin]

    def _load_robots(self, origin: str, local: bool) -> Protego | None:
        """From the shared ``RobotsStore`` if there is one and it has it, else fetched (and
        shared)."""
        store = self._robots_store
        wait = self.policy.timeout * (self.policy.retries + 1) + 5
        kept = store.claim(origin, wait) if store is not None else None
        if kept is not None:
            return Protego.parse(kept)
        try:
            body = self._fetch_robots(origin, local)
        except FetchError:
            if store is not None:
                store.release(origin)
            raise
        if store is not None:
            store.put(origin, body) if body is not None else store.release(origin)
        return None if body is None else Protego.parse(body)

    def _fetch_robots(self, origin: str, local: bool) -> str | None:
        """The rules robots.txt sets as text ("" allows everything), or None when it could
        not be had (kept for this fetcher only, never shared: the host may answer later)."""
        robots_url = f"{origin}/robots.txt"
        try:
            with self._follow(robots_url, {}, local, obey_robots=False) as response:
                body = self._read_body(response, robots_url)  # read, the connection is reused
        except (PageCapReached, AddressNotAllowed):
            raise  # not cached: a local source may still fetch this origin's robots.txt
        except FetchError:
            return None  # unreachable robots.txt: the page fetch itself will report the host
        if response.status_code in (401, 403):
            return DISALLOW_ALL
        if response.status_code != 200:
            return ""
        return decode(body, response.headers.get("Content-Type"))


def _size(count: int) -> str:
    """A byte count as people write it: ``10 MB``, ``512 KB``, else in bytes."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if count % factor == 0:
            return f"{count // factor} {unit}"
    return f"{count} bytes"


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:200] + "..."
