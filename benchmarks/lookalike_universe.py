"""A generated company universe with planted structure, for the lookalike benchmark and tests.

Companies in twelve industries, three countries and a spread of sizes post jobs from their
industry's roles (and some common office roles), at their own pace, and some of their roles stay
open for months. A hidden propensity to buy from a recruitment consultancy is planted: higher
for logistics, care and manufacturing, for mid-sized companies (50-999 employees), in northern
Germany, for companies that hire fast and whose postings stay open, and after expansion or
hiring news; plus noise. Won clients are drawn with probability rising steeply with that
propensity, 15 % of them (ODD_CLIENTS) anywhere at all (real books have odd clients), each won
on a day in the last year; lost clients come from the middle. The ranking never sees the
propensity.

    .venv/bin/python benchmarks/lookalike_universe.py --out DIR [--companies 2400] [--won 40]

writes ``companies.csv``, ``won.csv`` (name, won_at), ``lost.csv`` and ``postings.jsonl`` in
the formats ``sinyal lookalike rank`` reads.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parents[1]
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from sinyal.signals.lookalike.universe import (  # noqa: E402
    CompanyProfile,
    PostingSeen,
    SignalSeen,
    Universe,
)

TODAY = date(2026, 10, 1)
ROLES = {
    "logistics": ["Lagerist", "Berufskraftfahrer CE", "Disponent", "Fachkraft für Lagerlogistik",
                  "Staplerfahrer", "Kommissionierer"],
    "care": ["Pflegefachkraft", "Altenpfleger", "Pflegehelfer", "Wohnbereichsleitung",
             "Praxisanleiter Pflege"],
    "manufacturing": ["Industriemechaniker", "Elektroniker für Betriebstechnik", "CNC-Fräser",
                      "Maschinenbediener", "Schichtleiter Produktion"],
    "software": ["Software Engineer", "DevOps Engineer", "Frontend Developer",
                 "Product Manager", "Data Engineer"],
    "retail": ["Verkäufer", "Filialleiter", "Kassierer", "Visual Merchandiser"],
    "hospitality": ["Koch", "Servicekraft", "Hotelfachmann", "Rezeptionist"],
    "construction": ["Maurer", "Bauleiter", "Elektriker", "Tiefbauer", "Polier"],
    "finance": ["Buchhalter", "Controller", "Steuerfachangestellter", "Risk Analyst"],
    "energy": ["Solarteur", "Elektroingenieur", "Servicetechniker Windkraft",
               "Projektingenieur Netzausbau"],
    "marketing": ["Marketing Manager", "Content Creator", "SEO Specialist", "Art Director"],
    "education": ["Erzieher", "Lehrer", "Sozialpädagoge", "Kitaleitung"],
    "consulting": ["Consultant", "Business Analyst", "Projektmanager", "Senior Associate"],
}  # fmt: skip
COMMON_ROLES = ["Sachbearbeiter", "Office Manager", "Vertriebsmitarbeiter", "Buchhaltung",
                "Kaufmann für Büromanagement", "Werkstudent"]  # fmt: skip
BUYER_INDUSTRIES = {"logistics", "care", "manufacturing"}
CITIES = {
    "DE": ["Hamburg", "Bremen", "Hannover", "Berlin", "München", "Köln", "Frankfurt",
           "Stuttgart", "Leipzig", "Dortmund", "Nürnberg"],
    "ID": ["Jakarta", "Surabaya", "Bandung", "Medan"],
    "GB": ["London", "Manchester", "Leeds"],
}  # fmt: skip
NORTH = {"Hamburg", "Bremen", "Hannover"}
NAME_WORDS = ["Nord", "Süd", "Alpen", "Rhein", "Elb", "Hansa", "Stern", "Falken", "Linden",
              "Eichen", "Blau", "Grün", "Silber", "Kraft", "Weit", "Hoch", "Sonnen", "Wald",
              "Berg", "Tal", "Mond", "Nova", "Prima", "Terra", "Vita", "Astra", "Delta",
              "Merkur", "Atlas", "Orion", "Borealis", "Kronen", "Adler", "Fluss", "Stein",
              "Kap", "Insel", "Brücken", "Tor", "Quell"]  # fmt: skip
NAME_ENDINGS = ["wind", "feld", "haus", "werk", "hof", "tec", "line", "port", "mark",
                "stadt", "licht", "bau", "trans", "med", "soft", "plan", "form", "sys"]  # fmt: skip
LEGAL = {"DE": ["GmbH", "AG", "GmbH & Co. KG", "SE"], "ID": ["PT", "PT Tbk"], "GB": ["Ltd", "plc"]}
#: What no data shows (a company's mood, a good or bad experience with agencies), in units of
#: the planted fit, and how steeply winning follows the propensity; a share of won clients are
#: drawn at random, as real books have odd clients.
HIDDEN_NOISE = 0.5
STEEPNESS = 2.5
ODD_CLIENTS = 0.15
POSITIVE_NEWS = ["expansion", "growth_hiring", "funding", "new_contract", "product_launch"]


@dataclass
class Generated:
    universe: Universe
    propensity: dict[str, float] = field(default_factory=dict)
    #: The propensity without the hidden noise: what a perfect reading of the data could know.
    visible: dict[str, float] = field(default_factory=dict)


def _name(rng: np.random.Generator, country: str, industry: str, taken: set[str]) -> str:
    stem = str(rng.choice(NAME_WORDS)) + str(rng.choice(NAME_ENDINGS))
    if stem.lower() in taken:
        stem = f"{stem}{len(taken)}"
    taken.add(stem.lower())
    trade = f" {industry.capitalize()}" if rng.random() < 0.5 else ""
    legal = str(rng.choice(LEGAL[country]))
    if legal.startswith("PT"):
        return f"PT {stem}{trade}" + (" Tbk" if legal.endswith("Tbk") else "")
    return f"{stem}{trade} {legal}"


def _company(rng: np.random.Generator, taken: set[str]) -> tuple[CompanyProfile, float, dict]:
    """A company, its planted fit, and how it hires (pace, tendency to leave roles open)."""
    country = str(rng.choice(["DE", "ID", "GB"], p=[0.7, 0.2, 0.1]))
    city = str(rng.choice(CITIES[country]))
    industry = str(rng.choice(list(ROLES)))
    employees = int(min(60_000, max(1, rng.lognormal(4.6, 1.5))))
    name = _name(rng, country, industry, taken)
    hidden = rng.normal(0, HIDDEN_NOISE)
    fit = (
        1.6 * (industry in BUYER_INDUSTRIES)
        + 1.0 * (50 <= employees < 1000)
        + 0.8 * (city in NORTH)
        + hidden
    )
    hiring = {
        "hidden": hidden,
        "pace": math.exp(0.5 * fit + rng.normal(0, 0.5)) * (1 + math.log1p(employees) / 4),
        "stays_open": 1 / (1 + math.exp(-(fit - 1.5))),
        "news": [
            str(k) for k in rng.choice(POSITIVE_NEWS, size=rng.poisson(0.3 + 0.3 * (fit > 0)))
        ],
    }
    profile = CompanyProfile(
        name=name,
        domain=f"{name.replace('PT ', '').split()[0].lower()}.example",
        industry=industry if rng.random() > 0.1 else None,  # unknown now and then, as in CRMs
        employees=employees if rng.random() > 0.1 else None,
        city=city if rng.random() > 0.05 else None,
        country=country,
    )
    return profile, fit, hiring


def _postings(rng: np.random.Generator, profile: CompanyProfile, hiring: dict) -> list[PostingSeen]:
    industry = profile.industry or "consulting"
    postings = []
    for _ in range(min(60, rng.poisson(hiring["pace"] * 3) + 1)):
        pool = ROLES.get(industry, COMMON_ROLES) if rng.random() < 0.8 else COMMON_ROLES
        title = str(rng.choice(pool)) + (" (m/w/d)" if profile.country == "DE" else "")
        first_seen = TODAY - timedelta(days=int(rng.integers(0, 730)))
        stays = rng.random() < hiring["stays_open"]
        closed = first_seen + timedelta(
            days=int(rng.integers(120, 400) if stays else rng.integers(10, 70))
        )
        postings.append(
            PostingSeen(profile.key, title, first_seen, None if closed > TODAY else closed)
        )
    return postings


def _outcomes(
    rng: np.random.Generator, keys: list[str], scores: np.ndarray, won: int, lost: int
) -> tuple[dict[str, date | None], set[str]]:
    """Won clients mostly by propensity (ODD_CLIENTS anywhere), lost ones from the middle third."""
    weights = np.exp(STEEPNESS * (scores - scores.max()))
    planted = round(won * (1 - ODD_CLIENTS))
    chosen = list(rng.choice(len(keys), size=planted, replace=False, p=weights / weights.sum()))
    rest = sorted(set(range(len(keys))) - set(chosen))
    chosen += list(rng.choice(rest, size=won - planted, replace=False))
    won_days: dict[str, date | None] = {
        keys[n]: TODAY - timedelta(days=int(rng.integers(0, 365))) for n in chosen
    }
    middle = np.argsort(scores)[len(keys) // 3 : 2 * len(keys) // 3]
    middle = [n for n in middle if keys[n] not in won_days]
    return won_days, {keys[n] for n in rng.choice(middle, size=lost, replace=False)}


def generate(companies: int = 2400, won: int = 40, lost: int = 20, seed: int = 7) -> Generated:
    rng = np.random.default_rng(seed)
    profiles, postings, signals = [], [], []
    propensity: dict[str, float] = {}
    visible: dict[str, float] = {}
    taken: set[str] = set()
    for _ in range(companies):
        profile, fit, hiring = _company(rng, taken)
        profiles.append(profile)
        postings += _postings(rng, profile, hiring)
        signals += [
            SignalSeen(profile.key, kind, TODAY - timedelta(days=int(rng.integers(0, 500))))
            for kind in hiring["news"]
        ]
        propensity[profile.key] = (
            fit
            + 0.4 * math.log1p(hiring["pace"])
            + 0.8 * hiring["stays_open"]
            + 0.5 * bool(hiring["news"])
        )
        visible[profile.key] = propensity[profile.key] - hiring["hidden"]
    keys = [p.key for p in profiles]
    won_days, lost_keys = _outcomes(rng, keys, np.array([propensity[k] for k in keys]), won, lost)
    universe = Universe(profiles, postings, signals, won_days, lost_keys)
    return Generated(universe, propensity, visible)


def write_files(universe: Universe, directory: Path) -> dict[str, Path]:
    """The universe as the files ``sinyal lookalike rank`` reads."""
    directory.mkdir(parents=True, exist_ok=True)
    names = {c.key: c.name for c in universe.companies}
    paths = {
        "companies": directory / "companies.csv",
        "won": directory / "won.csv",
        "lost": directory / "lost.csv",
        "postings": directory / "postings.jsonl",
    }
    with paths["companies"].open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "domain", "industry", "employees", "city", "country"])
        for c in universe.companies:
            writer.writerow([c.name, c.domain or "", c.industry or "", c.employees or "",
                             c.city or "", c.country or ""])  # fmt: skip
    with paths["won"].open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "won_at"])
        for key, day in universe.won.items():
            writer.writerow([names[key], day.isoformat() if day else ""])
    with paths["lost"].open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name"])
        writer.writerows([names[key]] for key in sorted(universe.lost))
    with paths["postings"].open("w", encoding="utf-8") as handle:
        for p in universe.postings:
            record = {"company": names[p.company], "title": p.title,
                      "first_seen": p.first_seen.isoformat(),
                      "closed_at": p.closed.isoformat() if p.closed else None}  # fmt: skip
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--companies", type=int, default=2400)
    parser.add_argument("--won", type=int, default=40)
    parser.add_argument("--lost", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generated = generate(args.companies, args.won, args.lost, args.seed)
    for kind, path in write_files(generated.universe, args.out).items():
        print(f"{kind:<10} {path}")


if __name__ == "__main__":
    main()
