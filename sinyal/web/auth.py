"""Logging in, sessions, roles and CSRF for the dashboard.

The session is a signed cookie (Starlette's SessionMiddleware: itsdangerous, HttpOnly,
SameSite=Lax, Secure when the public URL is https) holding the user's id and a CSRF token;
the user and their role are read from the database on every request, so a disabled user or a
changed role takes effect at once, on every web process. Every form carries the CSRF token
and every POST checks it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sinyal.store.models import Role, User
from sinyal.store.ratelimit import hit
from sinyal.web.context import TEMPLATES, WebContext, web_context
from sinyal.web.users import authenticate

SESSION_USER = "user_id"
SESSION_CSRF = "csrf"
LOGIN_LIMIT = (10, 300)  # attempts per client address (and per username) per 5 minutes

router = APIRouter()


class LoginRequired(Exception):
    """Not logged in: the handler sends the visitor to the login page."""


class Forbidden(Exception):
    """Logged in, but the role does not allow this page."""


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    role: Role | None
    consultant_id: int | None

    def may(self, *roles: Role) -> bool:
        return self.role is Role.MANAGER or self.role in roles


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get(SESSION_CSRF)
    if not expected or not submitted or not secrets.compare_digest(expected, submitted):
        raise Forbidden("the form expired or came from another site; reload and try again")


def current_user(request: Request) -> CurrentUser | None:
    user_id = request.session.get(SESSION_USER)
    if not isinstance(user_id, int):
        return None
    with web_context(request).store.sessions() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            return None
        role = Role(user.role) if user.role else None
        return CurrentUser(user.id, user.username, role, user.consultant_id)


def require(*roles: Role) -> object:
    """A dependency: the logged-in user if their role may see the page (managers may all)."""

    def dependency(request: Request) -> CurrentUser:
        user = current_user(request)
        if user is None:
            raise LoginRequired()
        if not user.may(*roles):
            raise Forbidden("your account has no access to this page")
        return user

    return Depends(dependency)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/dashboard") -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        "login.html",
        {"csrf": csrf_token(request), "next": _safe_next(next), "error": None},
    )


@router.post("/login", response_model=None)
def login(
    request: Request,
    web: Annotated[WebContext, Depends(web_context)],
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)],
    next: Annotated[str, Form(max_length=300)] = "/dashboard",
) -> Response:
    check_csrf(request, csrf)
    limit, window = LOGIN_LIMIT
    allowed = hit(web.store, f"login:ip:{client_address(request)}", limit, window)
    allowed = hit(web.store, f"login:user:{username.strip().lower()}", limit, window) and allowed
    if not allowed:
        return _login_again(request, next, "Too many attempts. Wait a few minutes.", 429)
    with web.store.transaction() as session:
        user = authenticate(session, username, password)
        user_id = user.id if user else None
    if user_id is None:
        return _login_again(request, next, "Wrong username or password.", 401)
    request.session.clear()  # a new session id for the new privilege level
    request.session[SESSION_USER] = user_id
    csrf_token(request)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=100)]) -> RedirectResponse:
    check_csrf(request, csrf)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _login_again(request: Request, next_page: str, error: str, status: int) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        "login.html",
        {"csrf": csrf_token(request), "next": _safe_next(next_page), "error": error},
        status_code=status,
    )


def _safe_next(target: str) -> str:
    """Only a path on this site: ``//evil.example`` or ``https://…`` would be an open redirect."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/dashboard"
    return target


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
