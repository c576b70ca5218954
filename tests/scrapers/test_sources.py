"""Every source kind against the demo job site on loopback, through the real fetcher."""

from datetime import date

import pytest

from scrapers.demo_site.server import DemoSiteServer
from scrapers.fetcher import Fetcher, FetchPolicy
from scrapers.items import ItemError, PostingItem
from scrapers.sources import ScanIncomplete, SourceConfigError, build_source

FAST = FetchPolicy(requests_per_second=100, retries=1, backoff_factor=0)


def scan(config: dict) -> tuple[list[PostingItem], list[ItemError]]:
    """What a source configured on the demo site yields (on 127.0.0.1, hence ``local``)."""
    results = list(build_source({**config, "local": True}).scan(Fetcher(FAST)))
    return (
        [r for r in results if isinstance(r, PostingItem)],
        [r for r in results if isinstance(r, ItemError)],
    )


def test_greenhouse_uses_first_published_not_updated_at(demo_site: DemoSiteServer) -> None:
    postings, errors = scan(
        {"type": "greenhouse", "board": "nordwind", "base_url": f"{demo_site.url}/greenhouse"}
    )
    assert len(postings) == 3 and len(errors) == 1  # the record with "id": null
    java = next(p for p in postings if p.external_id == "4012001")
    assert java.date_posted == date(2026, 5, 4)  # first_published, not updated_at (2026-11-02)
    assert java.company == "Nordwind Logistik GmbH"  # from the board endpoint
    assert java.location == "Hamburg, Germany"
    assert java.source_key == "greenhouse:nordwind"


def test_lever_epoch_milliseconds(demo_site: DemoSiteServer) -> None:
    postings, _ = scan(
        {"type": "lever", "site": "brightwave", "base_url": f"{demo_site.url}/lever"}
    )
    assert {p.date_posted for p in postings} == {date(2025, 5, 1), date(2025, 11, 1)}
    assert postings[0].employment_type == "Full-time"


def test_ashby_skips_unlisted_jobs(demo_site: DemoSiteServer) -> None:
    postings, _ = scan(
        {"type": "ashby", "board": "brightwave", "base_url": f"{demo_site.url}/ashby"}
    )
    assert [p.title for p in postings] == ["Product Designer (m/f/d)"]
    assert postings[0].date_posted == date(2026, 4, 14)


def test_recruitee_published_offers_only(demo_site: DemoSiteServer) -> None:
    postings, _ = scan({"type": "recruitee", "base_url": f"{demo_site.url}/recruitee"})
    (offer,) = postings
    assert offer.company == "Talbach Bau GmbH & Co. KG"
    assert offer.date_posted == date(2026, 3, 20)


def test_smartrecruiters_released_date(demo_site: DemoSiteServer) -> None:
    postings, _ = scan(
        {
            "type": "smartrecruiters",
            "company_id": "kopi-nusantara",
            "base_url": f"{demo_site.url}/smartrecruiters",
        }
    )
    assert {p.date_posted for p in postings} == {date(2026, 5, 10), date(2026, 11, 1)}
    assert postings[0].location == "Bandung, id"


def test_personio_xml_feed(demo_site: DemoSiteServer) -> None:
    postings, errors = scan(
        {
            "type": "personio",
            "company": "Klinikum Lindenhof gGmbH",
            "base_url": f"{demo_site.url}/personio",
        }
    )
    assert [p.external_id for p in postings] == ["1184021", "1184022"]
    assert postings[0].date_posted == date(2026, 1, 12)
    assert postings[0].location == "München"
    assert len(errors) == 1


def test_arbeitsagentur_first_publication_date(demo_site: DemoSiteServer) -> None:
    postings, _ = scan(
        {
            "type": "arbeitsagentur",
            "was": "Anlagenmechaniker",
            "base_url": f"{demo_site.url}/arbeitsagentur",
        }
    )
    shk = postings[0]
    assert shk.external_id == "10001-1000123456-S"
    assert shk.date_posted == date(2026, 2, 1)
    assert shk.company == "Haustechnik Brandt GmbH" and shk.location == "Hannover"
    assert shk.gender_marker == "m/w/d"
    assert demo_site.hits["/arbeitsagentur/pc/v6/jobs"] == 1


def test_html_source_with_pagination_and_detail_pages(demo_site: DemoSiteServer) -> None:
    postings, errors = scan(
        {
            "type": "html",
            "company": "CV Sinar Teknik",
            "list_url": f"{demo_site.url}/karir/index.html",
            "item": "li.job",
            "fields": {"title": "h3", "location": ".city", "url": "a@href"},
            "next_page": "a.next@href",
            "detail": {"date_posted": "time@datetime"},
        }
    )
    assert [p.title for p in postings] == [
        "Teknisi Listrik",
        "Staf Administrasi",
        "Drafter Mekanikal",
    ]
    assert postings[0].date_posted == date(2026, 3, 5)
    assert postings[0].url == f"{demo_site.url}/karir/teknisi-listrik.html"
    assert len(errors) == 1  # the list item without a title


def test_jsonld_listing_skips_robots_disallowed_links(demo_site: DemoSiteServer) -> None:
    source = build_source(
        {
            "type": "jsonld",
            "listing_urls": [f"{demo_site.url}/careers/index.html"],
            "link_pattern": r"\.html$",
            "local": True,
        }
    )
    fetcher = Fetcher(FAST)
    postings = [r for r in source.scan(fetcher) if isinstance(r, PostingItem)]
    assert fetcher.stats.skipped_by_robots == 1
    assert "Secret role" not in {p.title for p in postings}
    assert len(postings) == 10


def test_unreachable_feed_makes_the_scan_incomplete() -> None:
    source = build_source(
        {"type": "greenhouse", "board": "x", "base_url": "http://127.0.0.1:9", "local": True}
    )
    with pytest.raises(ScanIncomplete, match=r"127\.0\.0\.1:9"):
        list(source.scan(Fetcher(FetchPolicy(retries=0, timeout=1))))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"type": "workday"}, "not a known source type"),
        ({"type": "greenhouse"}, "greenhouse source: board: Field required"),
        ({"type": "lever", "site": "x", "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"type": "lever", "site": "x", "local": "yes"}, "local: Input should be a valid boolean"),
        (
            {"type": "html", "list_url": "u", "item": "li", "fields": {"name": "h3"}},
            "unknown field",
        ),
    ],
)
def test_bad_source_config_names_the_field(config: dict, message: str) -> None:
    with pytest.raises(SourceConfigError, match=message):
        build_source(config)
