"""A conversation's transcript, read from Rasa's SQL tracker store (table ``events``).

Shown to the consultant who takes the lead over, so they need not ask again what the prospect
already said. Erased conversations have no rows left, so they show nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from sinyal.chat.tracker import tracker_url
from sinyal.settings import Settings


@dataclass(frozen=True)
class Line:
    speaker: str  # "prospect" or "bot"
    text: str
    at: datetime | None


def transcript(settings: Settings, sender_id: str, limit: int = 500) -> list[Line]:
    url = tracker_url(settings)
    if url is None:
        return []
    engine = create_engine(url, hide_parameters=True)  # sender ids: kept out of errors
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT type_name, timestamp, data FROM events "
                    "WHERE sender_id = :sender AND type_name IN ('user', 'bot') "
                    "ORDER BY id LIMIT :limit"
                ),
                {"sender": sender_id, "limit": limit},
            ).all()
    except SQLAlchemyError:
        return []  # no tracker table yet (Rasa never ran) or the store is down
    finally:
        engine.dispose()
    lines = []
    for kind, stamp, data in rows:
        body = json.loads(data) if isinstance(data, str) else (data or {})
        said = (body.get("text") or "").strip()
        if said:
            when = datetime.fromtimestamp(float(stamp), UTC) if stamp else None
            lines.append(Line("prospect" if kind == "user" else "bot", said, when))
    return lines
