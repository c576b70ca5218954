"""Fixture sites for the fetcher's limits: the demo site's pages plus what hostile sites do.

``trap_site`` serves the demo job site (same robots.txt, same pages) and, besides, a 50 MB page,
a gzip bomb, a page of any size, redirects anywhere and a redirect loop. It listens on
127.0.0.2, so a test can let it play a public host (``stand_in_public``) while the plain demo
site on 127.0.0.1 stays loopback: a redirect from one to the other is a redirect from "the
internet" into the machine. Both are real HTTP servers; nothing of the HTTP layer is mocked.
The sites themselves live in ``tests.support.trap_site``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scrapers.demo_site.server import DemoSiteServer
from tests.support.scrape_queue import redis_namespace
from tests.support.trap_site import STAND_IN_PUBLIC, TrapSiteServer, serve


@pytest.fixture
def trap_site() -> Iterator[DemoSiteServer]:
    yield from serve(TrapSiteServer((str(STAND_IN_PUBLIC), 0)))


@pytest.fixture
def queue_namespace() -> Iterator[str]:
    """A namespace of this test's own on the machine's Redis (``tests.support.scrape_queue``)."""
    with redis_namespace() as name:
        yield name
