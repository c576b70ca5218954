"""`sinyal lookalike` as a consuming tool runs it: files on disk (the benchmark's generated
universe with planted structure), JSON on stdout, one clear line for a bad file."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sinyal.store import Store
from tests.support.factories import seed_account
from tests.support.sinyal_command import isolated_env, run_sinyal

PROJECT = Path(__file__).resolve().parents[3]
FIELDS = {"company", "score", "nearest_won", "reasons"}


@pytest.fixture(scope="module")
def universe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("universe")
    subprocess.run(
        [sys.executable, str(PROJECT / "benchmarks" / "lookalike_universe.py"), "--out", str(out),
         "--companies", "900", "--won", "30", "--lost", "10", "--seed", "3"],
        check=True, capture_output=True,
    )  # fmt: skip
    names = ("companies", "won", "lost", "postings")
    files = dict(
        zip(names, ("companies.csv", "won.csv", "lost.csv", "postings.jsonl"), strict=True)
    )
    return {name: str(out / file) for name, file in files.items()}


def options(files: dict[str, str]) -> list[str]:
    return [part for name, path in files.items() for part in (f"--{name}", path)]


def names_in(path: str) -> set[str]:
    return {line.split(",")[0] for line in Path(path).read_text(encoding="utf-8").splitlines()[1:]}


def test_rank_prints_the_best_first_without_won_or_lost(
    universe: dict[str, str], tmp_path: Path
) -> None:
    done = run_sinyal("lookalike", "rank", *options(universe), "--top", "25", "--json",
                      env=isolated_env(), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    ranked = json.loads(done.stdout)
    assert len(ranked) == 25 and all(set(r) == FIELDS for r in ranked)
    scores = [r["score"] for r in ranked]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    won, lost = names_in(universe["won"]), names_in(universe["lost"])
    assert not {r["company"] for r in ranked} & (won | lost)
    assert all(r["nearest_won"] in won and r["reasons"] for r in ranked)


def test_eval_beats_random_and_size_alone(universe: dict[str, str], tmp_path: Path) -> None:
    done = run_sinyal("lookalike", "eval", *options(universe), "--json",
                      env=isolated_env(), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["won_clients"] == 30 and report["companies"] == 900
    model, baselines = report["model"], report["baselines"]
    # The aims: hit@10 at least 5x random and 2x size alone (measured here: 31x and
    # more; size alone finds none in the first ten, so MRR is compared with it instead).
    assert model["hit@10"] >= 5 * baselines["random"]["hit@10"]
    assert model["mrr"] >= 3 * baselines["size_only"]["mrr"]
    assert report["won_clients_without_date"] == 0  # won.csv carries won_at


def test_a_bad_column_is_one_line_naming_file_and_column(
    universe: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "companies.csv"
    bad.write_text("name,domain,industry,staff,city,country\nA,,,3,,\n", encoding="utf-8")
    done = run_sinyal("lookalike", "rank", "--companies", str(bad), "--won", universe["won"],
                      "--json", env=isolated_env(), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip() == f"error: {bad}: missing column employees"


def test_companies_without_won_clients_is_refused(universe: dict[str, str], tmp_path: Path) -> None:
    done = run_sinyal("lookalike", "rank", "--companies", universe["companies"], "--json",
                      env=isolated_env(), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1 and "--companies and --won go together" in done.stderr


def test_the_store_without_won_clients_says_so(tmp_path: Path) -> None:
    env = isolated_env(SINYAL_DATABASE_URL=f"sqlite:///{tmp_path / 'store.db'}")
    done = run_sinyal("lookalike", "rank", "--json", env=env, cwd=tmp_path)
    assert done.returncode == 1 and "no won clients in the store yet" in done.stderr
    done = run_sinyal("lookalike", "audience", "--out", str(tmp_path / "a.csv"), env=env,
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1 and "no lookalike scores yet" in done.stderr


def test_audience_from_the_store_with_its_warning(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store.from_url(url)
    store.upgrade()
    seed_account(store)  # one company with a lookalike score
    store.close()
    env = isolated_env(SINYAL_DATABASE_URL=url)
    out = tmp_path / "audience.csv"
    done = run_sinyal("lookalike", "audience", "--out", str(out), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("Nordwind Logistik GmbH,")
    assert "reliably from about 300 companies" in done.stderr
    nowhere = run_sinyal("lookalike", "audience", "--out", str(tmp_path / "no" / "a.csv"),
                         env=env, cwd=tmp_path)  # fmt: skip
    assert nowhere.returncode == 1 and "cannot write" in nowhere.stderr
