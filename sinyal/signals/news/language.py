"""Which of Sinyal's languages (German, English, Bahasa Indonesia) a news item is written in.

py3langid ships its model inside the wheel, so it works where no model hub can be reached.
It is restricted to the three languages the classifier was trained on: an Indonesian item
must not come out as Malay, and an item in any other language is read as the closest of the
three (the classifier's confidence then says how sure it is).
"""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

LANGUAGES = ("de", "en", "id")


@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def language_of(text: str) -> str:
    language, _probability = _identifier().classify(text)
    return str(language)
