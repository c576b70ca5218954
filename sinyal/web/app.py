"""The web app (FastAPI, server-rendered Jinja2): tracked links, unsubscribe, website chat.

Every database call is short and stateless, so any number of these processes can run behind a
load balancer. Access logs are off (``sinyal web``): request paths carry tracked tokens, which
work as capabilities (an unsubscribe link), so they are not written to logs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from sinyal.outreach.clicks import CHAT_LANGUAGES, known_token, record_click, unsubscribe
from sinyal.outreach.links import ChatTargetError
from sinyal.settings import Settings
from sinyal.store import Store

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))
#: Anything else in a token's place is somebody's typo or a probe: the neutral page, no error.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,119}$")


def create_app(settings: Settings, store: Store) -> FastAPI:
    app = FastAPI(title="Sinyal", docs_url=None, redoc_url=None, openapi_url=None)

    def welcome(request: Request) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(
            request, "welcome.html", {"chat_page": settings.chat_page_url}
        )

    @app.exception_handler(StarletteHTTPException)
    async def friendly_error(request: Request, exc: StarletteHTTPException) -> Response:
        """A person who mistyped a link sees the neutral page, not a JSON error."""
        page = welcome(request)
        page.status_code = exc.status_code
        return page

    @app.get("/healthz", response_class=PlainTextResponse)
    def health() -> str:
        return "ok"

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        return welcome(request)

    @app.get("/c/{token:path}")
    def click(request: Request, token: str) -> Response:
        """A tracked link: record the click, then into the chat (unknown: a neutral page)."""
        try:
            with store.transaction() as session:
                found = record_click(session, settings, token)
        except ChatTargetError:
            found = None  # misconfigured Telegram target: the visitor still gets a page
        if found is None:
            return welcome(request)
        return RedirectResponse(found.redirect_to, status_code=302)

    @app.get("/u/{token:path}", response_class=HTMLResponse)
    def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
        # A GET never unsubscribes: mail scanners open links before people do.
        with store.sessions() as session:
            if not TOKEN.match(token) or not known_token(session, token):
                return welcome(request)
        return TEMPLATES.TemplateResponse(
            request, "unsubscribe.html", {"done": False, "action": f"/u/{token}"}
        )

    @app.post("/u/{token:path}", response_class=HTMLResponse)
    def unsubscribe_now(request: Request, token: str) -> HTMLResponse:
        """The page's button and RFC 8058 one-click unsubscribe from mail clients."""
        with store.transaction() as session:
            known = unsubscribe(session, token)
        if not known:
            return welcome(request)
        return TEMPLATES.TemplateResponse(request, "unsubscribe.html", {"done": True})

    @app.get("/chat", response_class=HTMLResponse)
    def chat(
        request: Request,
        flow: Annotated[str | None, Query()] = None,
        variant: Annotated[str | None, Query()] = None,
        t: Annotated[str | None, Query()] = None,
        lang: Annotated[str | None, Query()] = None,
    ) -> HTMLResponse:
        """The website chat; odd entry parameters are dropped, never an error for a prospect."""
        given = {
            "flow": flow if flow and NAME.match(flow) else None,
            "variant": variant if variant and NAME.match(variant) else None,
            "token": t if t and TOKEN.match(t) else None,
            "language": lang if lang in CHAT_LANGUAGES else None,
        }
        context = {k: v for k, v in given.items() if v} | {"channel": "website"}
        return TEMPLATES.TemplateResponse(
            request,
            "chat.html",
            {
                "lang": context.get("language", settings.default_language),
                "context": context,
                "rasa_webhook": f"{settings.rasa_url}/webhooks/rest/webhook",
            },
        )

    return app
