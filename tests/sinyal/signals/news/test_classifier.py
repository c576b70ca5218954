"""The news classifier, measured on the held-out items (benchmarks/news_heldout/, written by
helper sessions that never saw the training set): every type in every language."""

import shutil
from collections import defaultdict
from pathlib import Path

import pytest

import sinyal.signals.news.classifier as classifier_module
from sinyal.signals.news.classifier import Document, NewsClassifier, sentences, shared_classifier
from sinyal.signals.news.kinds import SignalType
from sinyal.signals.news.labelled import LabelledItem, read_labelled, training_items

PROJECT = Path(__file__).resolve().parents[4]
HELDOUT = sorted((PROJECT / "benchmarks" / "news_heldout").glob("*.yml"))
#: Share of a language's held-out items of one type that must be classified as that type. The
#: measured figures (benchmarks/news_signals.py, docs/signals.md) are far above; this catches
#: a broken pipeline or labelled set, not a one-point change.
CELL_FLOOR = 0.5


@pytest.fixture(scope="module")
def heldout() -> list[LabelledItem]:
    return read_labelled(HELDOUT)


@pytest.fixture(scope="module")
def verdicts(heldout: list[LabelledItem]) -> dict[tuple[str, SignalType], list[bool]]:
    results = shared_classifier().classify_many(
        [Document(i.title, i.text, i.language) for i in heldout]
    )
    cells: dict[tuple[str, SignalType], list[bool]] = defaultdict(list)
    for item, result in zip(heldout, results, strict=True):
        cells[(item.language, item.type)].append(result.type is item.type)
    return cells


@pytest.mark.parametrize("language", ["de", "en", "id"])
@pytest.mark.parametrize("kind", list(SignalType))
def test_each_type_in_each_language(
    verdicts: dict[tuple[str, SignalType], list[bool]], language: str, kind: SignalType
) -> None:
    cell = verdicts[(language, kind)]
    assert len(cell) >= 12
    assert sum(cell) / len(cell) >= CELL_FLOOR, f"{language} {kind}: {sum(cell)}/{len(cell)}"


def test_the_held_out_items_are_not_in_the_training_set(heldout: list[LabelledItem]) -> None:
    trained = {(i.title, i.text) for i in training_items()}
    assert not [i.id for i in heldout if (i.title, i.text) in trained]
    # Independent authors invent the same company name now and then (12 of 461), never the text.
    shared_names = {i.company for i in heldout} & {i.company for i in training_items()}
    assert len(shared_names) <= 0.05 * len(heldout)


def test_the_evidence_is_a_sentence_of_the_item_and_none_has_none() -> None:
    doc = Document(
        "Quartalszahlen der Kessler Armaturen GmbH",
        "Der Umsatz blieb stabil. Die Kessler Armaturen GmbH baut ein zweites Werk in Gotha. "
        "Der Vorstand zeigte sich zufrieden.",
        "de",
    )
    result = shared_classifier().classify(doc)
    assert result.type is SignalType.EXPANSION
    assert result.evidence == "Die Kessler Armaturen GmbH baut ein zweites Werk in Gotha."
    quiet = shared_classifier().classify(
        Document("Sommerfest bei Kessler", "Die Belegschaft feierte mit Familien.", "de")
    )
    assert quiet.type is SignalType.NONE and quiet.evidence is None


def test_training_is_deterministic() -> None:
    items = training_items()[::3]
    docs = [Document(i.title, i.text, i.language) for i in items[:60]]
    first, second = NewsClassifier.trained_on(items), NewsClassifier.trained_on(items)
    assert first.classify_many(docs) == second.classify_many(docs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT Maju Tbk. meraih Rp 1.5 triliun. Dana dipakai untuk ekspansi.", 2),
        ("Die Weber GmbH & Co. KG wächst. Am 3. März eröffnet sie.", 2),
        ("Acme Inc. said on Monday it raised $40m. Shares rose.", 2),
    ],
)
def test_sentences_do_not_break_at_legal_forms_and_numbers(text: str, expected: int) -> None:
    assert len(sentences(text)) == expected


@pytest.fixture
def small_training_set(monkeypatch: pytest.MonkeyPatch) -> list[LabelledItem]:
    """A tenth of the labelled set: these tests are about the cache, not the model."""
    small = training_items()[::10]
    monkeypatch.setattr(classifier_module, "training_items", lambda: small)
    return small


def test_the_model_cache_trains_once_per_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_training_set: list[LabelledItem]
) -> None:
    docs = [Document(i.title, i.text, i.language) for i in small_training_set[:20]]
    trained = shared_classifier.__wrapped__(tmp_path)
    (kept,) = tmp_path.glob("news-classifier-*.pickle")

    def no_training(cls: type, items: object) -> None:
        raise AssertionError("trained again although the cache holds the model")

    with monkeypatch.context() as patched:
        patched.setattr(NewsClassifier, "trained_on", classmethod(no_training))
        read_back = shared_classifier.__wrapped__(tmp_path)
    assert read_back.classify_many(docs) == trained.classify_many(docs)

    kept.write_bytes(kept.read_bytes()[:1000])  # a truncated file is trained over, not fatal
    assert shared_classifier.__wrapped__(tmp_path).classify_many(docs) == trained.classify_many(
        docs
    )
    assert len(kept.read_bytes()) > 1000


def test_the_cached_model_is_keyed_by_its_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "training"
    shutil.copytree(classifier_module.TRAINING_DIR, copy)
    monkeypatch.setattr(classifier_module, "TRAINING_DIR", copy)
    before = classifier_module.fingerprint()
    first = sorted(copy.glob("*.yml"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n# one more line\n", encoding="utf-8")
    assert classifier_module.fingerprint() != before
