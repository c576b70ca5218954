"""`sinyal scrape ...` and `sinyal triggers list` as a user runs them, against the demo site."""

import json
import subprocess
from pathlib import Path

from scrapers.demo_site.server import SITE_DIR, DemoSiteServer
from tests.support.sinyal_command import run_sinyal


def sinyal(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_sinyal(*args, env=env)


def test_scrape_page_prints_one_json_object_per_posting(env: dict[str, str]) -> None:
    done = sinyal(
        "scrape",
        "page",
        str(SITE_DIR / "careers" / "engineering.html"),
        "--url",
        "https://brightwave.example/careers/",
        "--json",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 2
    first = records[0]
    for key in (
        "title",
        "normalized_title",
        "company",
        "location",
        "date_posted",
        "valid_through",
        "url",
        "gender_marker",
        "source",
    ):
        assert key in first
    assert first["url"] == "https://brightwave.example/careers/jobs/data-engineer"
    assert first["gender_marker"] == "m/f/d" and first["date_posted"] == "2026-06-15"
    assert first["source"] == "jsonld"


def test_scrape_page_reports_a_broken_block_and_keeps_the_rest(env: dict[str, str]) -> None:
    done = sinyal(
        "scrape",
        "page",
        str(SITE_DIR / "careers" / "broken.html"),
        "--url",
        "https://x.example/",
        "--json",
        env=env,
    )
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 1
    assert "malformed" in done.stderr


def test_scrape_run_then_triggers_list(env: dict[str, str], demo_site: DemoSiteServer) -> None:
    env["SINYAL_DEMO_SITE_URL"] = demo_site.url
    done = sinyal("scrape", "run", "--flow", "long-open-demo", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "skipped by robots 1" in done.stdout
    assert "new 26" in done.stdout
    again = sinyal("scrape", "run", "--flow", "long-open-demo", env=env)
    assert "new 0" in again.stdout and "0 new triggers" in again.stdout
    listed = sinyal(
        "triggers", "list", "--flow", "long-open-demo", "--as-of", "2026-11-23", "--json", env=env
    )
    assert listed.returncode == 0, listed.stderr
    triggers = [json.loads(line) for line in listed.stdout.splitlines()]
    companies = {t["company"] for t in triggers}
    assert {"Nordwind Logistik GmbH", "PT Maju Jaya Digital", "Müller Stahlbau GmbH"} <= companies
    nordwind = next(t for t in triggers if t["company"] == "Nordwind Logistik GmbH")
    titles = {p["title"] for p in nordwind["postings"]}
    assert "Werkstudent Marketing (m/w/d)" not in titles  # excluded by the flow
    assert all(p["days_open"] >= p["threshold_days"] for p in nordwind["postings"])


def test_scrape_run_exits_non_zero_only_when_everything_failed(
    env: dict[str, str], tmp_path: Path
) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "dead.yml").write_text(
        "name: dead\nsources:\n  - type: lever\n    site: x\n    base_url: http://127.0.0.1:9\n"
    )
    env["SINYAL_FLOWS_DIR"] = str(flows)
    done = sinyal("scrape", "run", env=env)
    assert done.returncode == 1
    assert "127.0.0.1:9" in done.stdout + done.stderr


def test_bad_flow_file_is_one_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "bad.yml").write_text("name: bad\ntrigger:\n  min_postings: 0\n")
    env["SINYAL_FLOWS_DIR"] = str(flows)
    done = sinyal("scrape", "run", env=env)
    assert done.returncode == 1
    assert "bad.yml:3: trigger.min_postings" in done.stderr


def test_triggers_list_rejects_a_bad_date(env: dict[str, str]) -> None:
    done = sinyal("triggers", "list", "--as-of", "23/11/2026", env=env)
    assert done.returncode == 1
    assert "--as-of" in done.stderr and "2026-11-23" in done.stderr
