"""`sinyal signals classify` as a tool that consumes it runs it: a subprocess, files on disk,
JSON on stdout, one line per unreadable file on stderr."""

import json
import re
from pathlib import Path

import pytest

from scrapers.demo_site.server import DemoSiteServer
from tests.support.sinyal_command import isolated_env, run_sinyal

FIELDS = {
    "url", "title", "company", "type", "polarity", "confidence", "published_at", "language",
    "evidence",
}  # fmt: skip

PAGE = """<html><head><title>Presse</title>
<meta property="article:published_time" content="2026-09-08T07:00:00+02:00"></head><body>
<article><h1>Hofmeister Gerüstbau GmbH meldet Insolvenz an</h1>
<p>Die Hofmeister Gerüstbau GmbH aus Kassel hat beim Amtsgericht einen Insolvenzantrag
gestellt. Der Betrieb mit 140 Beschäftigten läuft vorerst weiter.</p></article></body></html>"""

FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>PT Samudra Dingin Logistik buka gudang berpendingin di Makassar</title>
<link>https://berita.example/samudra</link><pubDate>Wed, 04 Nov 2026 09:00:00 +0800</pubDate>
<description>PT Samudra Dingin Logistik meresmikan gudang berpendingin baru seluas 8.000 meter
persegi di Makassar.</description></item>
<item><title>Quayside Marine Ltd sponsors the harbour regatta</title>
<link>https://news.example/regatta</link>
<description>Quayside Marine Ltd is this year's main sponsor of the harbour regatta.</description>
</item></channel></rss>"""


def counts(summary: str) -> tuple[int, ...]:
    """(new, told again elsewhere, read before) from `sinyal signals run`'s summary."""
    found = re.search(r"(\d+) new, (\d+) told again\s+elsewhere, (\d+) read\s+before", summary)
    assert found, summary
    return tuple(int(n) for n in found.groups())


def write(tmp: Path, name: str, content: str) -> Path:
    path = tmp / name
    path.write_text(content, encoding="utf-8")
    return path


def test_pages_and_feed_items_come_back_as_signals(clean_env: Path) -> None:
    page, feed = write(clean_env, "page.html", PAGE), write(clean_env, "feed.xml", FEED)
    companies = write(
        clean_env, "companies.csv", "name,domain\nPT Samudra Dingin Logistik,samudradingin.co.id\n"
    )
    done = run_sinyal(
        "signals", "classify", str(page), str(feed), "--companies", str(companies), "--json",
        env=isolated_env(), cwd=clean_env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    signals = json.loads(done.stdout)
    assert [set(s) for s in signals] == [FIELDS] * 3
    insolvency, warehouse, regatta = signals
    assert (insolvency["type"], insolvency["polarity"], insolvency["language"]) == (
        "insolvency", "negative", "de",
    )  # fmt: skip
    assert insolvency["published_at"] == "2026-09-08"
    assert insolvency["company"] == "Hofmeister Gerüstbau GmbH"  # named, not a known company
    assert "Insolvenzantrag" in insolvency["evidence"]
    assert (warehouse["type"], warehouse["language"], warehouse["company"]) == (
        "expansion", "id", "PT Samudra Dingin Logistik",
    )  # fmt: skip
    assert warehouse["url"] == "https://berita.example/samudra"
    assert (regatta["type"], regatta["polarity"], regatta["evidence"]) == ("none", "neutral", None)
    assert 0 <= regatta["confidence"] <= 1 and regatta["published_at"] is None


def test_an_unreadable_file_is_named_after_the_others_results(clean_env: Path) -> None:
    page = write(clean_env, "page.html", PAGE)
    broken = write(clean_env, "broken.xml", '<?xml version="1.0"?><rss><channel><item><title>x')
    done = run_sinyal(
        "signals", "classify", str(broken), str(clean_env / "missing.html"), str(page), "--json",
        env=isolated_env(), cwd=clean_env,
    )  # fmt: skip
    assert done.returncode == 1
    assert [s["type"] for s in json.loads(done.stdout)] == ["insolvency"]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2
    assert "broken.xml" in lines[0] and "missing.html" in lines[1]


def test_a_companies_file_without_its_columns_is_refused(clean_env: Path) -> None:
    page = write(clean_env, "page.html", PAGE)
    companies = write(clean_env, "companies.csv", "company,website\nX GmbH,x.de\n")
    done = run_sinyal(
        "signals", "classify", str(page), "--companies", str(companies), "--json",
        env=isolated_env(), cwd=clean_env,
    )  # fmt: skip
    assert done.returncode == 1
    assert "companies.csv" in done.stderr and "domain, name" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_signals_run_reads_the_demo_news_into_signals_and_triggers(
    env: dict[str, str], demo_site: DemoSiteServer, request: pytest.FixtureRequest, backend: str
) -> None:
    """The demo flow's feed and press page, after its postings: typed signals in the store, the
    same Nordwind story from the feed and the press page as one, the unknown company kept by
    name, the known ones joined to their triggers; a second run reads nothing new."""
    if backend == "postgresql":
        database = request.getfixturevalue("postgres_database")
        env["DATABASE_URL"] = database.render_as_string(hide_password=False)
    env["SINYAL_DEMO_SITE_URL"] = demo_site.url
    scraped = run_sinyal("scrape", "run", "--flow", "long-open-demo", env=env, timeout=300)
    assert scraped.returncode == 0, scraped.stderr
    done = run_sinyal("signals", "run", env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert counts(done.stdout) == (5, 1, 0)
    listed = json.loads(run_sinyal("signals", "list", "--json", env=env).stdout)
    found = {(s["company"], s["type"]): s for s in listed}
    assert set(found) == {
        ("Nordwind Logistik GmbH", "expansion"),
        ("Brightwave Analytics Ltd", "funding"),
        ("PT Maju Jaya Digital", "growth_hiring"),
        ("Klinikum Lindenhof gGmbH", "management_change"),
        ("Kranbau Ost GmbH", "insolvency"),
    }  # the football sponsorship is no signal
    assert found[("Nordwind Logistik GmbH", "expansion")]["sites"] == 2
    assert not found[("Kranbau Ost GmbH", "insolvency")]["known_company"]
    assert found[("Klinikum Lindenhof gGmbH", "management_change")]["published_at"] == "2026-11-16"
    only = run_sinyal("signals", "list", "--type", "funding", "--json", env=env)
    assert [s["company"] for s in json.loads(only.stdout)] == ["Brightwave Analytics Ltd"]
    triggers = run_sinyal("triggers", "list", "--as-of", "2026-11-25", "--json", env=env)
    nordwind = next(
        json.loads(line)
        for line in triggers.stdout.splitlines()
        if json.loads(line)["company"] == "Nordwind Logistik GmbH"
    )
    assert nordwind["signals"][0]["type"] == "expansion" and nordwind["suppressed_by"] is None
    again = run_sinyal("signals", "run", env=env, timeout=300)
    assert counts(again.stdout) == (0, 0, 6), again.stdout


def test_signals_list_refuses_an_unknown_type_and_a_bad_day(env: dict[str, str]) -> None:
    wrong = run_sinyal("signals", "list", "--type", "rumour", env=env)
    assert wrong.returncode == 1 and "--type: 'rumour' is not one of" in wrong.stderr
    day = run_sinyal("signals", "list", "--since", "last week", env=env)
    assert day.returncode == 1 and "is not a date like" in day.stderr
