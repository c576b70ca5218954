"""Accounts: the next best customers (companies by lookalike score, or found by name), one
company's whole story, and the ad platforms' custom audience as a CSV download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from sinyal.accounts.account import find_companies, load_account
from sinyal.outreach.audience import audience_csv, lookalike_audience
from sinyal.signals.lookalike.scores import scores_of
from sinyal.store.models import Company, LookalikeScore, Role
from sinyal.web.auth import CurrentUser, require
from sinyal.web.context import TEMPLATES, WebContext, web_context

router = APIRouter()
Search = Annotated[str | None, Query(max_length=120)]
BEST = 50


@router.get("/accounts", response_class=HTMLResponse)
def accounts(
    request: Request,
    web: Annotated[WebContext, Depends(web_context)],
    user: Annotated[CurrentUser, require(Role.CONSULTANT, Role.MARKETING)],
    q: Search = None,
) -> HTMLResponse:
    """Without a search: the best lookalikes; with one: the companies it names."""
    with web.store.sessions() as session:
        if q and q.strip():
            companies = find_companies(session, q)
            scores = scores_of(session, [c.id for c in companies])
            rows = [(c, scores[c.id].score if c.id in scores else None) for c in companies]
        else:
            rows = [
                (company, score)
                for company, score in session.execute(
                    select(Company, LookalikeScore.score)
                    .join(LookalikeScore, LookalikeScore.company_id == Company.id)
                    .order_by(LookalikeScore.score.desc(), Company.name)
                    .limit(BEST)
                )
            ]
    return TEMPLATES.TemplateResponse(
        request, "accounts.html", {"user": user, "rows": rows, "q": q or ""}
    )


@router.get("/accounts/audience.csv")
def audience_download(
    web: Annotated[WebContext, Depends(web_context)],
    user: Annotated[CurrentUser, require(Role.MARKETING)],
    top: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> Response:
    """The custom audience, best lookalike first (as ``sinyal lookalike audience``)."""
    with web.store.sessions() as session:
        rows = lookalike_audience(session, top)
    return Response(
        audience_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="lookalike-audience.csv"'},
    )


@router.get("/accounts/{company_id}", response_class=HTMLResponse)
def account_page(
    request: Request,
    company_id: int,
    web: Annotated[WebContext, Depends(web_context)],
    user: Annotated[CurrentUser, require(Role.CONSULTANT, Role.MARKETING)],
) -> HTMLResponse:
    with web.store.sessions() as session:
        account = load_account(session, company_id)
    if account is None:
        return TEMPLATES.TemplateResponse(
            request, "message.html", {"user": user, "title": f"No company #{company_id}"}, 404
        )
    return TEMPLATES.TemplateResponse(request, "account.html", {"user": user, "a": account})
