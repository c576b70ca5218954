"""Lookalike ranking on small universes whose answer is known: the company that hires like
the won clients ranks first, with its nearest won client and the reasons; won and lost
companies are never ranked; nothing from after a win is used for it."""

from datetime import date, timedelta

import numpy as np
import pytest

from sinyal.signals.lookalike import ranking
from sinyal.signals.lookalike.evaluation import leave_one_out, rank_of
from sinyal.signals.lookalike.features import build_features
from sinyal.signals.lookalike.ranking import rank
from sinyal.signals.lookalike.universe import CompanyProfile, PostingSeen, Universe, company_key

DAY = date(2026, 6, 1)
LOGISTICS = ["Lagerist (m/w/d)", "Berufskraftfahrer CE (m/w/d)", "Disponent (m/w/d)"]
SOFTWARE = ["Frontend Developer", "DevOps Engineer", "Product Manager"]


def company(name: str, industry: str, employees: int, city: str) -> CompanyProfile:
    return CompanyProfile(
        name, f"{name.split()[0].lower()}.example", industry, employees, city, "DE"
    )


def postings(name: str, titles: list[str], since: date = DAY) -> list[PostingSeen]:
    return [
        PostingSeen(company_key(name), title, since - timedelta(days=30 * n))
        for n, title in enumerate(titles * 2)
    ]


def logistics_universe() -> Universe:
    profiles = [
        company("Nordwind Logistik GmbH", "logistics", 180, "Hamburg"),
        company("Hansa Spedition GmbH", "logistics", 220, "Hamburg"),
        company("Elbtrans Logistik AG", "logistics", 150, "Bremen"),  # the lookalike
        company("Pixelwerk Software GmbH", "software", 40, "Berlin"),
        company("Codefabrik GmbH", "software", 30, "München"),
        company("Alt Spedition GmbH", "logistics", 200, "Hamburg"),  # lost
    ]
    activity = (
        postings("Nordwind Logistik GmbH", LOGISTICS)
        + postings("Hansa Spedition GmbH", LOGISTICS[:2])
        + postings("Elbtrans Logistik AG", LOGISTICS[1:])
        + postings("Pixelwerk Software GmbH", SOFTWARE)
        + postings("Codefabrik GmbH", SOFTWARE[:2])
        + postings("Alt Spedition GmbH", LOGISTICS)
    )
    won = {company_key("Nordwind Logistik GmbH"): DAY, company_key("Hansa Spedition"): DAY}
    return Universe(profiles, activity, [], won, {company_key("Alt Spedition GmbH")})


def test_the_company_that_hires_like_the_won_clients_ranks_first_with_its_reasons() -> None:
    ranked = rank(logistics_universe())
    names = [r.company.name for r in ranked]
    assert names[0] == "Elbtrans Logistik AG"
    assert set(names) == {"Elbtrans Logistik AG", "Pixelwerk Software GmbH", "Codefabrik GmbH"}
    best = ranked[0]
    assert best.nearest_won is not None
    assert best.nearest_won.name in {"Nordwind Logistik GmbH", "Hansa Spedition GmbH"}
    assert "same industry: logistics" in best.reasons
    assert any(r.startswith("similar roles:") for r in best.reasons)
    assert all(0.0 <= r.score <= 1.0 for r in ranked)
    assert ranked[0].score > ranked[1].score
    assert best.as_json()["nearest_won"] == best.nearest_won.name


def test_without_won_clients_nothing_resembles_anything() -> None:
    universe = logistics_universe()
    universe.won = {}
    assert {r.score for r in rank(universe)} == {0.0}
    assert all(r.nearest_won is None and r.reasons == () for r in rank(universe))


def test_top_cuts_the_list() -> None:
    assert [r.company.name for r in rank(logistics_universe(), top=1)] == ["Elbtrans Logistik AG"]


def test_features_use_only_what_was_known_before_the_day() -> None:
    universe = logistics_universe()
    late = company_key("Elbtrans Logistik AG")
    universe.postings = [p for p in universe.postings if p.company != late]
    universe.postings += postings(
        "Elbtrans Logistik AG", LOGISTICS, since=DAY + timedelta(days=400)
    )
    row = universe.companies.index(next(c for c in universe.companies if c.key == late))
    before = build_features(universe, DAY + timedelta(days=1))
    after = build_features(universe, DAY + timedelta(days=500))
    assert before.roles[row].nnz == 0 and before.facts[row].open_postings == 0
    assert after.roles[row].nnz > 0 and after.facts[row].open_postings > 0


def test_the_learned_model_joins_only_with_enough_won_clients() -> None:
    features = build_features(logistics_universe())
    rows = np.arange(features.matrix.shape[0])
    few = np.arange(ranking.MIN_WON_FOR_MODEL - 1) % 2
    assert ranking._learned(features.blocks, few, np.array([], dtype=int), rows) is None
    many = np.array([0, 1] * ranking.MIN_WON_FOR_MODEL)
    learned = ranking._learned(features.blocks, many, np.array([5]), np.array([2, 3, 4]))
    assert learned is not None and learned.shape == (3,)
    assert learned[0] > max(learned[1], learned[2])  # the logistics company looks like a buyer


@pytest.mark.parametrize(
    ("scores", "hidden", "expected"),
    [([0.9, 0.5, 0.7], 0, 1.0), ([0.9, 0.5, 0.7], 1, 3.0), ([0.5, 0.5, 0.5], 2, 2.0)],
)
def test_rank_of_counts_ties_half(scores: list[float], hidden: int, expected: float) -> None:
    assert rank_of(np.array(scores), hidden) == expected


def test_leave_one_out_finds_a_hidden_client_that_resembles_the_others() -> None:
    universe = logistics_universe()
    universe.won[company_key("Elbtrans Logistik AG")] = DAY
    report = leave_one_out(universe)
    assert report.won == 3 and len(report.model.ranks) == 3
    assert report.model.hit_at(1) == 1.0  # each logistics client ranks above the two software firms
    assert report.random() == {
        "hit@10": 1.0,
        "hit@50": 1.0,
        "mrr": round((1 + 1 / 2 + 1 / 3) / 3, 4),
    }
    assert report.as_json()["won_clients_without_date"] == 0


def test_leave_one_out_never_sees_what_came_after_the_win() -> None:
    """A client known only by postings that all came after its win has nothing to be found by:
    had the evaluation looked past the win date, its logistics roles would have ranked it
    first."""
    universe = logistics_universe()
    late = company_key("Elbtrans Logistik AG")
    position = [c.key for c in universe.companies].index(late)
    universe.companies[position] = CompanyProfile("Elbtrans Logistik AG")  # known by postings only
    universe.postings = [p for p in universe.postings if p.company != late]
    universe.postings += postings(
        "Elbtrans Logistik AG", LOGISTICS, since=DAY + timedelta(days=200)
    )
    universe.won[late] = DAY
    hidden = leave_one_out(universe)
    assert hidden.model.ranks[-1] == 3.0  # last of the three: no evidence at all
    universe.won[late] = None  # undated: all data is used, and the report says so
    undated = leave_one_out(universe)
    assert undated.model.ranks[-1] == 1.0 and undated.undated == 1
