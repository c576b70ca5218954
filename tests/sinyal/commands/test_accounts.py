"""`sinyal accounts show` as a consultant runs it in a shell: the whole story of one company,
found by its name, or a clear line when the name finds none or several."""

import json
from pathlib import Path

from sinyal.store import Store
from tests.support.factories import seed_account
from tests.support.sinyal_command import isolated_env, run_sinyal


def seeded(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store.from_url(url)
    store.upgrade()
    seed_account(store)
    store.close()
    return isolated_env(SINYAL_DATABASE_URL=url)


def test_show_prints_the_account_and_its_timeline(tmp_path: Path) -> None:
    env = seeded(tmp_path)
    done = run_sinyal("accounts", "show", "nordwind logistik", "--json", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    account = json.loads(done.stdout)
    assert account["company"]["name"] == "Nordwind Logistik GmbH"
    assert account["lookalike"]["nearest_won"] == "Hansa Spedition GmbH"
    assert account["timeline"][0]["kind"] == "lead" and len(account["clicks"]) == 2
    table = run_sinyal("accounts", "show", "Nordwind", env=env, cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert (
        "Nordwind Logistik GmbH" in table.stdout
        and "link clicked: nordflow / short" in table.stdout
    )
    assert "3 postings, 1 triggers, 1 news, 1 messages, 2 clicks, 1 chats, 1 leads" in table.stdout


def test_no_match_or_several_is_one_clear_line(tmp_path: Path) -> None:
    env = seeded(tmp_path)
    none = run_sinyal("accounts", "show", "Nobody", env=env, cwd=tmp_path)
    assert none.returncode == 1 and "0 companies match 'Nobody'" in none.stderr
    several = run_sinyal("accounts", "show", "GmbH", env=env, cwd=tmp_path)
    assert several.returncode == 1
    assert (
        "2 companies match 'GmbH': Hansa Spedition GmbH, Nordwind Logistik GmbH" in several.stderr
    )


def test_an_empty_or_overlong_name_is_refused(tmp_path: Path) -> None:
    env = seeded(tmp_path)
    for name in ("  ", "x" * 301):
        done = run_sinyal("accounts", "show", name, env=env, cwd=tmp_path)
        assert done.returncode == 1 and "NAME: give a company name" in done.stderr
