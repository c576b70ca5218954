"""The labelled sets: the shipped ones read cleanly; a bad item is named with its file."""

from collections import Counter
from pathlib import Path

import pytest

from sinyal.signals.news.kinds import SignalType
from sinyal.signals.news.labelled import LabelledSetError, read_labelled, training_items

GOOD = """- id: de-funding-901
  language: de
  type: funding
  company: "Quellgrund Wasser GmbH"
  domain: "quellgrund.de"
  published: "2026-04-01"
  title: "Quellgrund sammelt 12 Millionen Euro ein"
  text: "Die Quellgrund Wasser GmbH hat 12 Millionen Euro eingesammelt."
  evidence: "Quellgrund sammelt 12 Millionen Euro ein"
"""


def test_the_shipped_training_set_is_balanced_over_types_and_languages() -> None:
    items = training_items()
    cells = Counter((i.language, i.type) for i in items)
    assert set(cells) == {(lang, kind) for lang in ("de", "en", "id") for kind in SignalType}
    assert min(cells.values()) >= 25


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("type: funding", "type: fundraising"), "de-funding-901.*fundraising"),
        (('  domain: "quellgrund.de"\n', ""), "de-funding-901.*missing field 'domain'"),
        (("language: de", "language: fr"), "de-funding-901.*language 'fr'"),
        (('evidence: "Quellgrund sammelt', 'evidence: "Quellgrund erhält'), "not a sentence"),
        (('published: "2026-04-01"', 'published: "1. April"'), "de-funding-901"),
    ],
)
def test_a_bad_item_names_the_file_and_the_item(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = tmp_path / "de.yml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(LabelledSetError, match=message) as raised:
        read_labelled([path])
    assert str(path) in str(raised.value)


def test_a_file_that_is_not_a_list_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.yml"
    path.write_text("items: []\n", encoding="utf-8")
    with pytest.raises(LabelledSetError, match="expected a list"):
        read_labelled([path])
    path.write_text(GOOD, encoding="utf-8")
    assert read_labelled([path])[0].type is SignalType.FUNDING
