"""Message templates: Jinja2 in a sandbox, with the names a variant may use listed once.

Marketing writes these templates in flow files, so they are untrusted code: the sandbox keeps
them from reaching Python internals, and ``StrictUndefined`` turns a misspelt name into an error
when the flow is validated instead of an empty gap in ten thousand sent emails.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

#: Every name a template may use, with the example value ``sinyal flows validate`` renders.
SAMPLE_CONTEXT: dict[str, Any] = {
    "company": "Muster Logistik GmbH",
    "role": "Berufskraftfahrer (m/w/d)",
    "roles": ["Berufskraftfahrer (m/w/d)", "Disponent (m/w/d)"],
    "open_roles": 2,
    "days_open": 143,
    "city": "Hamburg",
    "country": "DE",
    "first_name": "Anna",
    "recipient_name": "Anna Schmidt",
    # The company's strongest recent news signal (empty strings when it has none), so the first
    # message can say why now: "{% if signal.summary %}We read that {{ signal.summary }}{% endif %}"
    "signal": {
        "type": "expansion",
        "summary": "Muster Logistik GmbH eröffnet ein neues Lager in Hamburg.",
        "date": "2026-11-10",
        "url": "https://news.example/muster-lager",
    },
    "link": "https://sinyal.example/c/TOKEN",
    "unsubscribe_link": "https://sinyal.example/u/TOKEN",
}

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def check_template(source: str) -> str:
    """``source`` unchanged if it compiles and renders with the sample context; else ValueError."""
    try:
        _ENV.from_string(source).render(SAMPLE_CONTEXT)
    except TemplateError as exc:
        names = ", ".join(SAMPLE_CONTEXT)
        raise ValueError(f"template error: {exc} (names you can use: {names})") from None
    return source


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    return _ENV.from_string(source)  # compiling costs more than rendering: once per text


def render(source: str, context: dict[str, Any]) -> str:
    return _compiled(source).render(context).strip()
