"""The web app (FastAPI, server-rendered Jinja2, one process of ``sinyal run``).

Public: tracked links, unsubscribe, the demo consultancy page with the chat widget. Behind a
login: leads (consultants), triggers, flows and A/B tests, KPIs (marketing), all (managers).
Every request reads what it needs from the database, so any number of these processes can run
behind a load balancer (sessions are signed cookies; rate limits live in the database). Access
logs are off (``sinyal web``): paths carry tracked tokens, which work as capabilities.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.web import accounts, auth, insights, leads, public
from sinyal.web.auth import Forbidden, LoginRequired, current_user, login_redirect
from sinyal.web.context import TEMPLATES, WebContext

STATIC = Path(__file__).with_name("static")
SESSION_HOURS = 10
HOME_BY_ROLE = {"consultant": "/leads", "marketing": "/flows", "manager": "/kpi"}


def create_app(settings: Settings, store: Store) -> FastAPI:
    app = FastAPI(title="Sinyal", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = WebContext(settings, store)
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    app.add_middleware(
        SessionMiddleware,
        # Without SINYAL_SECRET_KEY, sessions last as long as this process (and do not work
        # across several web processes); `sinyal web` warns about it.
        secret_key=secret or secrets.token_urlsafe(32),
        session_cookie="sinyal_session",
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=settings.public_url.startswith("https://"),
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (public, auth, leads, insights, accounts):
        app.include_router(module.router)

    @app.get("/dashboard")
    def dashboard(request: Request) -> Response:
        user = current_user(request)
        if user is None:
            return login_redirect(request)
        if user.role is None:
            raise Forbidden("your account has no role yet; ask a manager to give it one")
        return RedirectResponse(HOME_BY_ROLE[user.role.value], status_code=303)

    @app.exception_handler(LoginRequired)
    async def must_log_in(request: Request, _exc: LoginRequired) -> Response:
        return login_redirect(request)

    @app.exception_handler(Forbidden)
    async def refused(request: Request, exc: Forbidden) -> HTMLResponse:
        return _message(request, "Not for your account", str(exc), 403)

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> HTMLResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
        return _message(request, "That request was not valid", problems, 400)

    @app.exception_handler(StarletteHTTPException)
    async def friendly_error(request: Request, exc: StarletteHTTPException) -> Response:
        """A person who mistyped a link sees the neutral page, not a JSON error."""
        return public.welcome(request, exc.status_code)

    return app


def create_asgi(settings: Settings, store: Store) -> Any:
    """What ``sinyal web`` serves: the app, with the website chat's socket.io in front of it."""
    from sinyal.web.chat_socket import ChatSocket

    return ChatSocket(settings, store).asgi(create_app(settings, store))


def _message(request: Request, title: str, detail: str, status: int) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        "message.html",
        {"user": current_user(request), "csrf": auth.csrf_token(request), "title": title,
         "detail": detail},
        status_code=status,
    )  # fmt: skip
