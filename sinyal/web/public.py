"""Pages anyone may open: tracked links, unsubscribe, and the consultancy's demo page with the
chat widget. Nothing here may show an error to a prospect: odd input gets the neutral page."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from sinyal.outreach.clicks import CHAT_LANGUAGES, known_token, record_click, unsubscribe
from sinyal.outreach.links import ChatTargetError
from sinyal.store.ratelimit import hit
from sinyal.web.auth import client_address
from sinyal.web.context import TEMPLATES, WebContext, web_context

#: Anything else in a token's place is somebody's typo or a probe: the neutral page, no error.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,119}$")
ENTRY_KEYS = {"flow": NAME, "variant": NAME, "token": TOKEN}
CHAT_CHANNEL = "website"
CLICK_LIMIT = (60, 60)  # tracked-link clicks per client address per minute

router = APIRouter()


def entry_metadata(given: object) -> dict[str, str]:
    """What a website chat may say about its entry link (the page's query, then the widget's
    ``customData`` with every message): flow, variant, token and language when well formed,
    and the channel; everything else is dropped."""
    values = given if isinstance(given, dict) else {}
    metadata = {
        key: value
        for key, pattern in ENTRY_KEYS.items()
        if isinstance(value := values.get(key), str) and pattern.match(value)
    }
    if values.get("language") in CHAT_LANGUAGES:
        metadata["language"] = values["language"]
    return metadata | {"channel": CHAT_CHANNEL}


Web = Annotated[WebContext, Depends(web_context)]


def welcome(request: Request, status_code: int = 200) -> HTMLResponse:
    page = web_context(request).settings.chat_page_url
    return TEMPLATES.TemplateResponse(request, "welcome.html", {"chat_page": page}, status_code)


@router.get("/healthz", response_class=PlainTextResponse)
def health() -> str:
    return "ok"


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return welcome(request)


@router.get("/c/{token:path}")
def click(request: Request, token: str, web: Web) -> Response:
    """A tracked link: record the click, then into the chat (unknown: a neutral page)."""
    limit, window = CLICK_LIMIT
    if not hit(web.store, f"click:{client_address(request)}", limit, window):
        return welcome(request, 429)  # a bot hammering links: no click recorded
    try:
        with web.store.transaction() as session:
            found = record_click(session, web.settings, token)
    except ChatTargetError:
        found = None  # misconfigured Telegram target: the visitor still gets a page
    if found is None:
        return welcome(request)
    return RedirectResponse(found.redirect_to, status_code=302)


@router.get("/u/{token:path}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str, web: Web) -> HTMLResponse:
    # A GET never unsubscribes: mail scanners open links before people do.
    with web.store.sessions() as session:
        if not TOKEN.match(token) or not known_token(session, token):
            return welcome(request)
    return TEMPLATES.TemplateResponse(
        request, "unsubscribe.html", {"done": False, "action": f"/u/{token}"}
    )


@router.post("/u/{token:path}", response_class=HTMLResponse)
def unsubscribe_now(request: Request, token: str, web: Web) -> HTMLResponse:
    """The page's button and RFC 8058 one-click unsubscribe from mail clients."""
    with web.store.transaction() as session:
        known = unsubscribe(session, token)
    if not known:
        return welcome(request)
    return TEMPLATES.TemplateResponse(request, "unsubscribe.html", {"done": True})


@router.get("/chat", response_class=HTMLResponse)
def chat(
    request: Request,
    web: Web,
    flow: Annotated[str | None, Query()] = None,
    variant: Annotated[str | None, Query()] = None,
    t: Annotated[str | None, Query()] = None,
    lang: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """The consultancy's demo page with the chat widget; odd entry parameters are dropped."""
    context = entry_metadata({"flow": flow, "variant": variant, "token": t, "language": lang})
    return TEMPLATES.TemplateResponse(
        request,
        "chat.html",
        {
            "lang": context.get("language", web.settings.default_language),
            "context": context,
        },
    )
