"""JSON-LD and microdata extraction from the fixture career pages (read from disk)."""

from datetime import date
from pathlib import Path

from scrapers.fetcher import decode
from scrapers.items import ItemError, PostingItem
from scrapers.sources.jsonld import extract_postings

SITE = Path(__file__).resolve().parents[2] / "scrapers" / "demo_site" / "site" / "careers"
BASE = "https://careers.example"


def extract(name: str) -> tuple[list[PostingItem], list[ItemError]]:
    html = decode((SITE / name).read_bytes(), "text/html")
    results = extract_postings(html, f"{BASE}/careers/{name}")
    return (
        [r for r in results if isinstance(r, PostingItem)],
        [r for r in results if isinstance(r, ItemError)],
    )


def test_graph_with_organization_reference() -> None:
    (posting,), errors = extract("java-entwickler.html")
    assert errors == []
    assert posting.company == "Nordwind Logistik GmbH"  # resolved from {"@id": ...}
    assert posting.title == "Senior Java-Entwickler (m/w/d)"
    assert posting.gender_marker == "m/w/d"
    assert posting.location == "Hamburg, DE"
    assert posting.date_posted == date(2026, 5, 4)
    assert posting.valid_through == date(2026, 12, 31)
    assert posting.external_id == "NW-2026-017"
    assert posting.url == f"{BASE}/careers/java-entwickler.html"  # relative URL resolved
    assert posting.employment_type == "FULL_TIME"


def test_array_of_postings_relative_urls_and_telecommute() -> None:
    postings, errors = extract("engineering.html")
    assert errors == []
    by_title = {p.title: p for p in postings}
    data = by_title["Data Engineer (m/f/d)"]
    assert data.url == f"{BASE}/careers/jobs/data-engineer"
    assert data.date_posted == date(2026, 6, 15)
    assert data.external_id == data.url
    assert by_title["Site Reliability Engineer (all genders)"].location == "Remote"
    assert by_title["Site Reliability Engineer (all genders)"].gender_marker == "all genders"


def test_item_list_with_indonesian_postings() -> None:
    postings, _ = extract("lowongan.html")
    assert [p.title for p in postings] == ["Pengembang Backend Senior", "Perawat ICU"]
    assert {p.company for p in postings} == {"PT Maju Jaya Digital"}
    assert postings[0].location == "Jakarta Selatan, ID"


def test_country_object_and_location_list() -> None:
    (posting,), _ = extract("pflegefachkraft.html")
    assert posting.location == "München, DE"
    assert posting.external_id == "KLN-88"


def test_microdata_when_there_is_no_json_ld() -> None:
    (posting,), _ = extract("microdata.html")
    assert posting.source == "microdata"
    assert posting.title == "Lagerleiter (m/w/d)"
    assert posting.company == "Nordwind Logistik GmbH"
    assert posting.date_posted == date(2026, 3, 16)
    assert posting.location == "Bremen, DE"


def test_truncated_block_costs_only_itself() -> None:
    postings, errors = extract("broken.html")
    assert [p.title for p in postings] == ["Elektroniker für Betriebstechnik (m/w/d)"]
    messages = [e.message for e in errors]
    assert any("JSON-LD block 1 is malformed" in m for m in messages)
    assert any("JobPosting without title" in m for m in messages)


def test_trailing_commas_comments_and_entities() -> None:
    (posting,), errors = extract("sloppy.html")
    assert errors == []
    assert posting.company == "Talbach Bau GmbH & Co. KG"
    assert posting.location == "Stuttgart, DE"


def test_windows_1252_page() -> None:
    (posting,), _ = extract("legacy.html")
    assert posting.title == "Schweißer für Großanlagen (m/w/d)"
    assert posting.company == "Müller Stahlbau GmbH"


def test_pages_without_postings_or_html() -> None:
    assert extract_postings("<html><body>Hi</body></html>", BASE) == []
    assert extract_postings("", BASE) == []
    assert extract_postings("just text, no markup", BASE) == []
