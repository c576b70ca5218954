"""The ``file`` source: vendor exports and spreadsheets on the local disk, through the fetcher."""

from datetime import date
from pathlib import Path

import pytest

from scrapers.fetcher import Fetcher
from scrapers.http_cache import StoreValidatorCache
from scrapers.items import ItemError, PageUnchanged, PostingItem
from scrapers.runner import run_sources
from scrapers.sources import ScanIncomplete, SourceConfigError, build_source
from sinyal.store import Store
from sinyal.store.models import JobPosting


def scan(config: dict) -> list:
    return list(build_source({"type": "file", "name": "export", **config}).scan(Fetcher()))


def test_json_lines_with_mapped_columns_and_a_broken_line(tmp_path: Path) -> None:
    export = tmp_path / "jobs.jsonl"
    export.write_text(
        '{"ref": "a1", "name": "Lagerleiter (m/w/d)", "firm": "Nordwind GmbH", '
        '"published": "2026-05-04", "city": "Hamburg"}\n'
        "\n"
        "{not json\n"
        '{"ref": "a2", "name": "Fahrer &amp; Kurier", "firm": "Nordwind GmbH", '
        '"published": 1746316800000}\n'
    )
    fields = {"id": "ref", "title": "name", "company": "firm", "date_posted": "published",
              "location": "city"}  # fmt: skip
    results = scan({"path": str(export), "fields": fields})
    postings = [r for r in results if isinstance(r, PostingItem)]
    (error,) = [r for r in results if isinstance(r, ItemError)]
    assert "line 3: not valid JSON" in error.message and error.url == export.as_uri()
    assert [p.external_id for p in postings] == ["a1", "a2"]
    assert postings[0].gender_marker == "m/w/d" and postings[0].location == "Hamburg"
    assert postings[0].date_posted == date(2026, 5, 4)
    assert postings[1].title == "Fahrer & Kurier" and postings[1].date_posted == date(2025, 5, 4)
    assert {p.page_url for p in postings} == {export.as_uri()}
    assert {p.source_key for p in postings} == {"file:export"}


def test_windows_1252_csv_with_the_company_from_the_config(tmp_path: Path) -> None:
    export = tmp_path / "stellen.csv"
    export.write_bytes(
        "id;title;date_posted\n".replace(";", ",").encode()
        + "7,Bäcker (w/m/d),2026-01-15\n8,,2026-01-16\n".encode("cp1252")
    )
    results = scan({"path": str(export), "company": "Backhaus Süd GmbH"})
    (posting,) = [r for r in results if isinstance(r, PostingItem)]
    (error,) = [r for r in results if isinstance(r, ItemError)]
    assert posting.title == "Bäcker (w/m/d)" and posting.company == "Backhaus Süd GmbH"
    assert "missing 'title'" in error.message


def test_json_array_under_a_key_and_a_glob_over_files(tmp_path: Path) -> None:
    for n in (1, 2):
        (tmp_path / f"part-{n}.json").write_text(
            f'{{"jobs": [{{"id": {n}, "title": "Koch", "company": "Gasthof {n}"}}]}}'
        )
    results = scan({"path": str(tmp_path / "part-*.json"), "records_key": "jobs"})
    assert sorted(r.company for r in results) == ["Gasthof 1", "Gasthof 2"]
    with pytest.raises(ScanIncomplete, match="no list of records at the top level"):
        scan({"path": str(tmp_path / "part-1.json")})


def test_no_matching_file_makes_the_scan_incomplete(tmp_path: Path) -> None:
    with pytest.raises(ScanIncomplete, match=r"missing-\*\.csv: no such file"):
        scan({"path": str(tmp_path / "missing-*.csv")})


def test_unknown_option_is_refused_by_name() -> None:
    with pytest.raises(SourceConfigError, match="file source: colums: Extra inputs"):
        build_source({"type": "file", "name": "x", "path": "x.csv", "colums": {}})


def test_unchanged_file_is_not_parsed_again_but_keeps_its_postings_open(
    tmp_path: Path, store: Store
) -> None:
    export = tmp_path / "jobs.jsonl"
    export.write_text(
        '{"id": "1", "title": "Elektroniker (m/w/d)", "company": "Talbach GmbH"}\n'
        '{"id": "2", "title": "Bauleiter (m/w/d)", "company": "Talbach GmbH"}\n'
    )
    source = build_source({"type": "file", "name": "export", "path": str(export)})

    def run() -> tuple[object, Fetcher]:
        fetcher = Fetcher(cache=StoreValidatorCache(store), defer_validators=True)
        return run_sources([source], store, fetcher), fetcher

    first, _ = run()
    assert first.total("new") == 2
    for _ in range(3):  # more than the two missed scans that would close them
        report, fetcher = run()
        assert report.not_modified == 1 and report.total("unchanged") == 2
    assert [type(r) for r in source.scan(fetcher)] == [PageUnchanged]
    with store.transaction() as session:
        postings = session.query(JobPosting).all()
        assert [p.closed_at for p in postings] == [None, None]
        assert all(p.last_seen > p.first_seen for p in postings)  # re-confirmed each run
