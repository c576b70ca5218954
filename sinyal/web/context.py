"""What every page handler needs: settings, the store, the templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from sinyal.settings import Settings
from sinyal.store import Store

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))


@dataclass(frozen=True)
class WebContext:
    settings: Settings
    store: Store


def web_context(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context
