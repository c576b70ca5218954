"""Which language a message is written in, as a ``language`` entity that fills the slot.

Every response has an English and an Indonesian variation chosen by the ``language`` slot.
The entry link usually sets it; otherwise the first message that is clearly in one language
does, and a prospect can switch at any time by asking ("can we speak English?", "pakai bahasa
Indonesia saja"). Short or mixed messages ("ok", "Java developer") emit nothing, so they never
flip the language by accident.

Counting function words is enough for two languages this far apart, and needs no model.
"""

from __future__ import annotations

import re
from typing import Any

# Function words and chat forms that are frequent in one language and absent from the other.
INDONESIAN = frozenset(
    """
    saya aku kami kita anda kamu dia mereka yang dan atau untuk dengan dari di ke ini itu
    ada tidak nggak gak enggak bukan belum sudah udah akan bisa boleh mau ingin perlu
    harus apa apakah berapa bagaimana kapan dimana mengapa kenapa siapa sedang masih juga
    saja lagi sangat tolong mohon terima kasih halo selamat pagi siang sore malam baik ya
    iya oke sih dong kok deh nih tuh kak pak bu bapak ibu orang bulan minggu tahun hari
    karyawan perusahaan lowongan posisi biaya kerja tanya nanya soal jasa rekrutmen butuh
    cari nyari mencari lagi banget bgt aja dong yg dgn utk kalau kalo gimana tolong makasih
    assalamualaikum waalaikumsalam kami punya usaha mulai segera secepatnya kemarin besok
    sekarang nanti cuma hanya tapi tetapi jadi karena sama bikin buat kantor gaji
    """.split()  # noqa: SIM905 - a word list reads best as words
)
ENGLISH = frozenset(
    """
    i me my we our us you your he she they the a an and or for with from in on at to of
    this that these those is are was were be been have has had do does did not no yes can
    could would should will want need what which who when where why how please thanks
    thank hello hi good morning afternoon evening months weeks years days our company
    people employees hiring role roles fee fees just about our there here some any much many
    also but so because into over after before start looking help find
    """.split()  # noqa: SIM905 - a word list reads best as words
)
# "can we speak English?", "pakai bahasa Indonesia saja", "I don't speak Indonesian".
_LANGUAGE_NAMES = re.compile(r"\b(english|inggris|indonesian|bahasa indonesia|b\.? ?indo)\b", re.I)
_REQUEST = re.compile(
    r"\b(speak|reply|answer|write|continue|switch|change|talk|use|prefer|please|pakai|"
    r"bahasa|dalam|gunakan|ganti|bisa|saja|tolong|mohon|balas|lebih)\b",
    re.I,
)
_NEGATION = re.compile(r"\b(don't|dont|do not|can't|cannot|not|tidak|nggak|gak|enggak)\b", re.I)
_WORD = re.compile(r"[a-zA-Z]+")
# biayanya, posisinya, berikan, tanyakan: suffixes no English word of that length carries.
_INDONESIAN_SUFFIX = re.compile(r"^[a-z]{3,}(nya|kan)$")
MIN_MARGIN = 2


def requested_language(text: str) -> str | None:
    """The language a prospect asks for by name; the last one named is the one wanted."""
    mentions = list(_LANGUAGE_NAMES.finditer(text))
    if not mentions or not _REQUEST.search(text):
        return None
    last = mentions[-1]
    named = "en" if last.group(1).lower() in {"english", "inggris"} else "id"
    if _NEGATION.search(text[: last.start()]):  # "I don't speak Indonesian"
        return "id" if named == "en" else "en"
    return named


def detect_language(text: str) -> str | None:
    """ "en", "id", or None when the message does not say clearly."""
    requested = requested_language(text)
    if requested:
        return requested
    words = [w.lower() for w in _WORD.findall(text)]
    indonesian = sum(w in INDONESIAN or _INDONESIAN_SUFFIX.search(w) is not None for w in words)
    english = sum(w in ENGLISH for w in words)
    if indonesian - english >= MIN_MARGIN:
        return "id"
    if english - indonesian >= MIN_MARGIN:
        return "en"
    return None


try:  # the Rasa side; the function above is importable without Rasa (tests, tools)
    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.shared.nlu.constants import ENTITIES, TEXT
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
except ImportError:  # pragma: no cover - only outside the Rasa environment
    pass
else:

    @DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
    class LanguageDetector(GraphComponent):
        """Adds ``{"entity": "language", "value": "en"|"id"}`` when the language is clear."""

        @classmethod
        def create(
            cls,
            config: dict[str, Any],
            model_storage: ModelStorage,
            resource: Resource,
            execution_context: ExecutionContext,
        ) -> LanguageDetector:
            return cls()

        def process_training_data(self, training_data: TrainingData) -> TrainingData:
            return training_data

        def process(self, messages: list[Message]) -> list[Message]:
            for message in messages:
                text = message.get(TEXT) or ""
                language = detect_language(text) if not text.startswith("/") else None
                if language is None:
                    continue
                entity = {
                    "entity": "language",
                    "value": language,
                    "start": 0,
                    "end": len(text),
                    "confidence_entity": 1.0,
                    "extractor": "LanguageDetector",
                }
                if requested_language(text):  # asked for by name: not an answer to anything
                    entity["requested"] = True  # not a role: the slot mapping takes any value
                message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
            return messages
