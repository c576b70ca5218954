"""A news run over local files: what can be read is stored, what cannot is a problem line."""

from datetime import date
from pathlib import Path

from scrapers.fetcher import Fetcher, FetchPolicy
from sinyal.flows import FlowDefinition
from sinyal.signals.news.collect import article_links, collect
from sinyal.store import Store

PAGE = """<html><head><title>t</title>
<meta property="article:published_time" content="2026-11-02T08:00:00+01:00"></head><body>
<article><h1>Lindner Präzisionsguss GmbH baut zweites Werk in Gera</h1>
<p>Die Lindner Präzisionsguss GmbH errichtet in Gera ein zweites Werk für Aluminiumguss.
Baubeginn ist im Frühjahr.</p></article></body></html>"""


def test_files_that_are_no_regular_files_or_too_big_are_reported_the_rest_stored(
    store: Store, tmp_path: Path
) -> None:
    (tmp_path / "a-good.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b-folder.html").mkdir()
    (tmp_path / "c-huge.html").write_text(PAGE + " " * 5000, encoding="utf-8")
    flow = FlowDefinition.model_validate(
        {"name": "local", "news": {"sources": [{"files": f"{tmp_path}/*.html"}]}}
    )
    fetcher = Fetcher(FetchPolicy(max_bytes=2000))
    report = collect(store, flow, fetcher, today=date(2026, 11, 25))
    assert report.documents == 1 and report.saved["new"] == 1
    assert report.types == {"expansion": 1}
    assert [p.split(": ", 1)[1] for p in report.problems] == [
        "not a regular file", "larger than 2000 bytes",
    ]  # fmt: skip


def test_a_press_page_reads_its_own_articles_before_the_site_menu() -> None:
    menu = "".join(f'<a href="/{page}">{page}</a>' for page in ("karriere", "kontakt", "shop"))
    page = (
        f"<html><body><nav>{menu}</nav><main>"
        '<a href="2026/werk-gera.html">Werk</a> <a href="/presse/2026/vorstand.html">Vorstand</a>'
        '<a href="https://elsewhere.example/presse/x.html">x</a></main></body></html>'
    ).encode()
    links = article_links(page, "https://www.lindner-guss.de/presse/index.html", limit=2)
    assert links == [
        "https://www.lindner-guss.de/presse/2026/werk-gera.html",
        "https://www.lindner-guss.de/presse/2026/vorstand.html",
    ]
