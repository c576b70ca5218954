"""News signals on the held-out set: classification, attribution, dates, throughput.

The held-out items (``benchmarks/news_heldout/``) were written by helper sessions that never saw
the training set (``sinyal/signals/news/training/``) nor each other's files: 120 items per
language (12 per type) by one author per language, plus 101 mixed-language items by a fourth.

* **Classification**: per language, macro-F1 over the ten types (``none`` included) of the
  classifier trained on the shipped set, beside the keyword rules alone (``keyword_guess``) in
  the same run; per-type precision, recall and F1 over all languages.
* **Attribution**: every held-out item rendered as a page, half on its company's own domain
  (a press room), half on a newspaper's; the known companies are all held-out companies plus a
  look-alike for each (same first word, another business: "Feldmann Kältetechnik GmbH" beside
  "Feldmann Solar AG"). Precision: attributed to the right company / attributed to any known
  company; recall: attributed to the right company / all items.
* **Dates**: the same pages carry their date one of four ways in turn (published-time
  metadata, a ``<time>`` element, a dateline in the language's own words, the URL path);
  exact-day accuracy of the date read back.
* **Throughput**: 1,000 such pages read from disk, classified and stored (a fresh SQLite
  store, as ``sinyal signals run`` does with a ``files:`` source), beside merely parsing them
  with lxml, in the same run.

    .venv/bin/python benchmarks/news_signals.py [--per-type]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from html import escape
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

import lxml.html  # noqa: E402
from sklearn.metrics import f1_score, precision_recall_fscore_support  # noqa: E402

from scrapers.fetcher import Fetcher  # noqa: E402
from sinyal.flows import FlowDefinition, NewsConfig  # noqa: E402
from sinyal.signals.news.articles import article_from_html  # noqa: E402
from sinyal.signals.news.attribution import CompanyIndex, KnownCompany  # noqa: E402
from sinyal.signals.news.classifier import (  # noqa: E402
    Document,
    NewsClassifier,
    shared_classifier,
)
from sinyal.signals.news.collect import collect  # noqa: E402
from sinyal.signals.news.kinds import SignalType  # noqa: E402
from sinyal.signals.news.labelled import LabelledItem, read_labelled, training_items  # noqa: E402
from sinyal.signals.news.rules import keyword_guess  # noqa: E402
from sinyal.store import Store  # noqa: E402

HELDOUT_DIR = PROJECT / "benchmarks" / "news_heldout"
LABELS = [t.value for t in SignalType]
KEPT_CONFIDENCE = NewsConfig().min_confidence
MONTHS = {
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "en": "January February March April May June July August September October November December",
    "id": "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember",
}
LOOKALIKE_BUSINESS = ("Solar AG", "Immobilien GmbH", "Holdings Ltd", "Digital Pte Ltd")


def heldout_items() -> list[LabelledItem]:
    return read_labelled(sorted(HELDOUT_DIR.glob("*.yml")))


def dateline(day: date, language: str) -> str:
    month = MONTHS[language].split()[day.month - 1]
    return f"{day.day}. {month} {day.year}" if language == "de" else f"{day.day} {month} {day.year}"


def render_page(item: LabelledItem, n: int) -> tuple[str, str]:
    """The item as a page (HTML, URL): on its company's domain for even n, a paper's for odd;
    its date in one of four places in turn."""
    own = n % 2 == 0
    day = item.published
    path = f"/{day:%Y/%m/%d}/news-{n}" if n % 4 == 3 else f"/news/item-{n}"
    url = f"https://{item.domain if own else 'dailybusiness.example'}{path}"
    meta = f'<meta property="article:published_time" content="{day}T08:00">' if n % 4 == 0 else ""
    time_tag = f'<time datetime="{day}">{day}</time>' if n % 4 == 1 else ""
    line = f"<p class='dateline'>{dateline(day, item.language)}</p>" if n % 4 == 2 else ""
    html = (
        f'<html lang="{item.language}"><head><title>{escape(item.title)}</title>'
        f'<link rel="canonical" href="{url}">{meta}</head><body>'
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/about'>About</a></nav>"
        f"<article><h1>{escape(item.title)}</h1>{time_tag}{line}<p>{escape(item.text)}</p>"
        "<p>More information will follow.</p></article>"
        "<footer>Imprint · Privacy · Contact</footer></body></html>"
    )
    return html, url


def lookalike(company: str, n: int) -> str:
    """Another business sharing the company's first word: "Feldmann Solar AG"."""
    words = company.split()
    first = words[1] if words[0] in ("PT", "CV") and len(words) > 1 else words[0]
    return f"{first} {LOOKALIKE_BUSINESS[n % len(LOOKALIKE_BUSINESS)]}"


def classification(classifier: NewsClassifier, items: list[LabelledItem], per_type: bool) -> None:
    print("\nClassification (held-out), macro-F1 over the ten types")
    print(f"{'language':<10}{'items':>7}{'model':>9}{'keywords':>10}{'gain':>8}")
    gold_all, predicted_all, kept_all = [], [], []
    for language in ("de", "en", "id", "all"):
        subset = [i for i in items if language in ("all", i.language)]
        gold = [i.type.value for i in subset]
        docs = [Document(i.title, i.text, i.language) for i in subset]
        results = classifier.classify_many(docs)
        predicted = [c.type.value for c in results]
        # What a flow stores: below its min_confidence (default 0.5) an item is no signal.
        kept = [c.type.value if c.confidence >= KEPT_CONFIDENCE else "none" for c in results]
        keywords = [keyword_guess(i.title, i.text, i.language).value for i in subset]
        model_f1 = f1_score(gold, predicted, labels=LABELS, average="macro", zero_division=0)
        keyword_f1 = f1_score(gold, keywords, labels=LABELS, average="macro", zero_division=0)
        gain = model_f1 - keyword_f1
        print(f"{language:<10}{len(subset):>7}{model_f1:>9.3f}{keyword_f1:>10.3f}{gain:>+8.3f}")
        if language == "all":
            gold_all, predicted_all, kept_all = gold, predicted, kept
    precision, recall, f1, support = precision_recall_fscore_support(
        gold_all, predicted_all, labels=LABELS, zero_division=0
    )
    print(f"\n{'type':<19}{'precision':>10}{'recall':>8}{'F1':>7}{'items':>7}")
    for row in zip(LABELS, precision, recall, f1, support, strict=True):
        print(f"{row[0]:<19}{row[1]:>10.2f}{row[2]:>8.2f}{row[3]:>7.2f}{row[4]:>7}")
    kept_precision, kept_recall, _, _ = precision_recall_fscore_support(
        gold_all, kept_all, labels=LABELS, zero_division=0
    )
    print(f"\nsignals a flow keeps (confidence >= {KEPT_CONFIDENCE}): precision / recall")
    for label, p, r in zip(LABELS[:-1], kept_precision, kept_recall, strict=False):
        print(f"  {label:<19}{p:>6.2f} /{r:>5.2f}")
    if per_type:
        confusions = Counter((g, p) for g, p in zip(gold_all, predicted_all, strict=True) if g != p)
        print("\nmost frequent confusions (gold -> predicted):")
        for (g, p), count in confusions.most_common(12):
            print(f"  {g} -> {p}: {count}")


def attribution_and_dates(items: list[LabelledItem]) -> None:
    known = [KnownCompany(i.company, i.domain, n) for n, i in enumerate(items)]
    known += [KnownCompany(lookalike(i.company, n), None, None) for n, i in enumerate(items)]
    index = CompanyIndex(known)
    right = attributed = dated = 0
    for n, item in enumerate(items):
        html, url = render_page(item, n)
        article = article_from_html(html, url)
        found = index.attribute(article.host, article.title, article.lead)
        if found.known is not None and found.known.id is not None:
            attributed += 1
            right += items[found.known.id].company == item.company
        elif found.known is not None:
            attributed += 1  # a look-alike: wrong
        dated += article.published == item.published
    print(f"\nAttribution over {len(items)} pages ({len(known)} known companies, half look-alikes)")
    print(f"  precision {right / max(attributed, 1):.3f}   recall {right / len(items):.3f}")
    print(f"Dates: exact day {dated / len(items):.3f} ({dated}/{len(items)})")


def throughput(items: list[LabelledItem], pages: int = 1000) -> None:
    with tempfile.TemporaryDirectory(prefix="news-pages-") as tmp:
        paths = []
        for n in range(pages):
            html, _url = render_page(items[n % len(items)], n)
            path = Path(tmp) / f"page-{n}.html"
            path.write_text(html, encoding="utf-8")
            paths.append(path)
        started = time.perf_counter()
        for path in paths:
            lxml.html.fromstring(path.read_bytes())
        parse_seconds = time.perf_counter() - started
        with Store.from_url(f"sqlite:///{tmp}/signals.db") as store:
            store.upgrade()
            flow = FlowDefinition.model_validate(
                {
                    "name": "bench",
                    "news": {"sources": [{"files": f"{tmp}/page-*.html"}], "max_age_days": 3650},
                }
            )
            shared_classifier()  # trained once per process (timed above), not part of the run
            started = time.perf_counter()
            report = collect(store, flow, Fetcher(), today=date(2026, 11, 25))
            stored_seconds = time.perf_counter() - started
    assert report.documents == pages and not report.problems, report.problems[:3]
    print(f"\nThroughput, {pages} pages from disk:")
    print(f"  parse only (lxml)                    {parse_seconds:7.2f} s")
    ratio = stored_seconds / parse_seconds
    print(f"  read, extract, classify and store    {stored_seconds:7.2f} s  (x{ratio:.0f})")
    print(f"  stored: {report.summary()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-type", action="store_true", help="also print the confusions")
    args = parser.parse_args()
    train, held = training_items(), heldout_items()
    print(f"training items {len(train)} {dict(Counter(i.language for i in train))}; "
          f"held-out {len(held)} {dict(Counter(i.language for i in held))}")  # fmt: skip
    started = time.perf_counter()
    classifier = NewsClassifier.trained_on(train)
    print(f"trained in {time.perf_counter() - started:.1f} s")
    classification(classifier, held, args.per_type)
    attribution_and_dates(held)
    throughput(held)


if __name__ == "__main__":
    main()
