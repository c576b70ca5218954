"""Where the fetcher may go: every redirect hop obeys robots.txt, and a source that is not marked
local reaches public addresses only.

The trap site on 127.0.0.2 stands in for a public host (``stand_in_public``); the demo site on
127.0.0.1 is "inside the machine". Real servers throughout; only the rebinding test fakes DNS,
since no local server can answer a name differently on the second lookup.
"""

import socket
from collections.abc import Iterator
from ipaddress import ip_address
from pathlib import Path

import pytest

from scrapers.address_guard import is_public_address
from scrapers.demo_site.server import DemoSiteServer
from scrapers.fetcher import AddressNotAllowed, Fetcher, FetchError, FetchPolicy, RobotsDisallowed
from scrapers.runner import run_sources
from scrapers.sources import ScanIncomplete, build_source
from sinyal.flows import load_flow
from sinyal.signals.refresh import sources_of
from sinyal.store import Store
from tests.support.trap_site import STAND_IN_PUBLIC, serve, stand_in_public

FAST = FetchPolicy(requests_per_second=100, retries=0, timeout=5)
DEMO_FLOW = Path(__file__).resolve().parents[2] / "flows" / "long-open-demo.yml"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("fd00::1", False),  # ULA
        ("169.254.169.254", False),  # cloud metadata, link-local
        ("fe80::1", False),
        ("0.0.0.0", False),
        ("::", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("224.0.0.1", False),  # multicast
        ("fec0::1", False),  # IPv6 site-local
        ("::ffff:127.0.0.1", False),  # loopback in IPv4-mapped clothing
    ],
)
def test_only_global_unicast_addresses_count_as_public(address: str, public: bool) -> None:
    assert is_public_address(ip_address(address)) is public


def test_a_source_not_marked_local_is_refused_on_loopback_and_told_how_to_mark_it(
    demo_site: DemoSiteServer,
) -> None:
    source = build_source(
        {"type": "greenhouse", "board": "nordwind", "base_url": f"{demo_site.url}/greenhouse"}
    )
    with pytest.raises(ScanIncomplete) as refused:
        list(source.scan(Fetcher(FAST)))
    message = str(refused.value)
    assert message.startswith(f"{demo_site.url}/greenhouse/v1/boards/nordwind/jobs")
    assert "127.0.0.1 is a loopback address, refused: mark the source `local: true`" in message
    assert demo_site.hits == {}  # not even robots.txt was asked for


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("{demo}/careers/index.html", "loopback"),
        ("http://localhost:{port}/careers/index.html", "loopback"),
        ("http://10.1.2.3/jobs", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://0.0.0.0:{port}/careers/index.html", "unspecified"),
    ],
)
def test_a_redirect_from_a_public_site_into_the_machine_or_network_is_refused(
    trap_site: DemoSiteServer, demo_site: DemoSiteServer, target: str, kind: str
) -> None:
    target = target.format(demo=demo_site.url, port=demo_site.server_address[1])
    fetcher = Fetcher(FAST, address_allowed=stand_in_public)
    url = f"{trap_site.url}/redirect?to={target}"
    with pytest.raises(AddressNotAllowed) as refused:
        fetcher.get(url)
    assert str(refused.value).startswith(f"{url}: redirected to {target}: ")
    assert f"a {kind} address, refused: mark the source `local: true`" in str(refused.value)
    assert trap_site.hits["/redirect"] == 1
    assert demo_site.hits == {}  # neither its robots.txt nor the page


def test_a_redirect_to_a_path_robots_txt_disallows_is_refused(
    trap_site: DemoSiteServer, demo_site: DemoSiteServer
) -> None:
    target = f"{demo_site.url}/private/internal-roles.html"
    fetcher = Fetcher(FAST)
    with pytest.raises(RobotsDisallowed) as refused:
        fetcher.get(f"{trap_site.url}/redirect?to={target}", local=True)
    assert f"redirected to {target}: disallowed by robots.txt" in str(refused.value)
    assert demo_site.hits["/robots.txt"] == 1  # the target host's own robots.txt was asked
    assert demo_site.hits["/private/internal-roles.html"] == 0
    assert fetcher.stats.skipped_by_robots == 1


def test_an_allowed_redirect_is_followed_each_hop_a_counted_request(
    trap_site: DemoSiteServer,
) -> None:
    fetcher = Fetcher(FAST)
    url = f"{trap_site.url}/redirect?to=/careers/index.html"
    page = fetcher.get(url, local=True)
    assert page.status == 200 and page.url == url
    assert page.content == fetcher.get(f"{trap_site.url}/careers/index.html", local=True).content
    assert fetcher.stats.requests == 4  # robots.txt, the redirect, its target, the page again


def test_a_redirect_loop_ends_with_a_clear_error(trap_site: DemoSiteServer) -> None:
    with pytest.raises(FetchError, match=r"/loop: more than 10 redirects"):
        Fetcher(FAST).get(f"{trap_site.url}/loop", local=True)
    assert trap_site.hits["/loop"] == 11


@pytest.fixture
def twin_sites() -> Iterator[tuple[DemoSiteServer, DemoSiteServer]]:
    """The demo site twice on one port: on 127.0.0.2 (public stand-in) and on 127.0.0.1."""
    for _ in range(20):
        public = DemoSiteServer((str(STAND_IN_PUBLIC), 0))
        try:
            loopback = DemoSiteServer(("127.0.0.1", public.server_address[1]))
            break
        except OSError:  # that port is taken on 127.0.0.1: try another
            public.server_close()
    else:
        pytest.fail("no port free on both 127.0.0.1 and 127.0.0.2")
    for _ in zip(serve(public), serve(loopback), strict=True):
        yield public, loopback


def test_dns_rebinding_gets_the_address_that_was_checked(
    twin_sites: tuple[DemoSiteServer, DemoSiteServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name answers the public stand-in once, then 127.0.0.1 (TTL 0): a fetcher that
    checked one lookup and connected after another would land on the loopback site."""
    public, loopback = twin_sites
    real_getaddrinfo = socket.getaddrinfo
    answers = iter([str(STAND_IN_PUBLIC)])

    def rebinding_dns(host: str, *args: object, **kwargs: object) -> object:
        if host == "jobs.rebind.test":
            host = next(answers, "127.0.0.1")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    port = public.server_address[1]
    fetcher = Fetcher(FAST, address_allowed=stand_in_public)
    page = fetcher.get(f"http://jobs.rebind.test:{port}/careers/index.html")
    assert page.status == 200
    assert public.hits["/careers/index.html"] == 1
    assert loopback.hits == {}


def test_through_a_proxy_the_target_is_still_checked(
    demo_site: DemoSiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo site doubles as a forward proxy (it serves the path of any absolute URL)."""
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", demo_site.url)
    fetcher = Fetcher(FAST, address_allowed=stand_in_public)
    with pytest.raises(AddressNotAllowed, match=r"127\.0\.0\.1 is a loopback address"):
        fetcher.get("http://127.0.0.1:1/careers/index.html")
    assert demo_site.hits == {}
    page = fetcher.get(f"http://{STAND_IN_PUBLIC}:1/careers/index.html")  # public: proxied
    assert page.status == 200 and demo_site.hits["/careers/index.html"] == 1


def test_the_shipped_demo_flow_is_marked_local_and_still_scrapes(
    store: Store, demo_site: DemoSiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SINYAL_DEMO_SITE_URL", demo_site.url)
    sources = sources_of(load_flow(DEMO_FLOW))
    assert all(source.config.local for source in sources)
    report = run_sources(sources, store, Fetcher(FAST))
    assert [s.key for s in report.sources if s.error] == []
    assert report.total("new") == 26 and report.skipped_by_robots == 1


def test_a_refused_link_is_one_page_error_and_the_source_reads_its_other_pages(
    store: Store, trap_site: DemoSiteServer, demo_site: DemoSiteServer
) -> None:
    """A public career page linking into the machine must not block the source's other pages."""
    source = build_source(
        {"type": "jsonld", "urls": [f"{demo_site.url}/", f"{trap_site.url}/careers/lowongan.html"]}
    )
    fetcher = Fetcher(FAST, address_allowed=stand_in_public)
    report = run_sources([source], store, fetcher).sources[0]
    assert report.item_errors == 1 and report.new >= 1
    assert not report.complete  # the refused page's postings are unknown: nothing is closed
    assert demo_site.hits == {}
