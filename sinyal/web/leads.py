"""Consultants' pages: the leads inbox and a lead, with the same stage changes as Telegram
and the CLI (``sinyal.leads.lifecycle``)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.chat.transcripts import transcript
from sinyal.leads.lifecycle import LifecycleError, change_stage, record_contact_attempt
from sinyal.store.models import (
    Consultant,
    Conversation,
    Flow,
    KpiEvent,
    Lead,
    LeadStage,
    LeadStatus,
    Role,
)
from sinyal.web.auth import CurrentUser, check_csrf, csrf_token, require
from sinyal.web.context import TEMPLATES, WebContext, web_context

router = APIRouter()
Name = Annotated[str | None, Query(max_length=120, pattern=r"^[\w .@&'-]*$")]
StatusFilter = Annotated[LeadStatus | None, Query()]
StageFilter = Annotated[LeadStage | None, Query()]


@router.get("/leads", response_class=HTMLResponse)
def inbox(
    request: Request,
    web: Annotated[WebContext, Depends(web_context)],
    user: Annotated[CurrentUser, require(Role.CONSULTANT)],
    status: StatusFilter = None,
    stage: StageFilter = None,
    flow: Name = None,
    consultant: Name = None,
) -> HTMLResponse:
    query = (
        select(Lead, Flow.name, Consultant.name)
        .outerjoin(Flow, Flow.id == Lead.flow_id)
        .outerjoin(Consultant, Consultant.id == Lead.consultant_id)
        .where(Lead.erased_at.is_(None))
        .order_by(Lead.created_at.desc(), Lead.id.desc())
        .limit(500)
    )
    if status:
        query = query.where(Lead.status == status.value)
    if stage:
        query = query.where(Lead.stage == stage.value)
    if flow:
        query = query.where(Flow.name == flow)
    if consultant:
        query = query.where(Consultant.name == consultant)
    with web.store.sessions() as session:
        rows = session.execute(query).all()
        flows = session.scalars(select(Flow.name).order_by(Flow.name)).all()
        people = session.scalars(select(Consultant.name).order_by(Consultant.name)).all()
    return TEMPLATES.TemplateResponse(
        request,
        "leads.html",
        {
            "user": user,
            "csrf": csrf_token(request),
            "rows": rows,
            "flows": flows,
            "consultants": people,
            "statuses": [s.value for s in LeadStatus],
            "stages": [s.value for s in LeadStage],
            "chosen": {
                "status": status.value if status else "",
                "stage": stage.value if stage else "",
                "flow": flow or "",
                "consultant": consultant or "",
            },
        },
    )


def _history(session: Session, lead_id: int) -> list[dict[str, Any]]:
    events = session.scalars(
        select(KpiEvent).where(KpiEvent.lead_id == lead_id).order_by(KpiEvent.id)
    ).all()
    return [
        {"at": e.occurred_at, "type": e.type, "actor": e.actor, "payload": e.payload}
        for e in events
    ]


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
def lead_page(
    request: Request,
    lead_id: int,
    web: Annotated[WebContext, Depends(web_context)],
    user: Annotated[CurrentUser, require(Role.CONSULTANT)],
    error: Annotated[str | None, Query(max_length=300)] = None,
) -> HTMLResponse:
    with web.store.sessions() as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            return TEMPLATES.TemplateResponse(
                request, "message.html", {"user": user, "title": f"No lead #{lead_id}"}, 404
            )
        history = _history(session, lead_id)
        conversation = (
            session.get(Conversation, lead.conversation_id) if lead.conversation_id else None
        )
        owner = session.get(Consultant, lead.consultant_id) if lead.consultant_id else None
        flow = session.get(Flow, lead.flow_id) if lead.flow_id else None
    lines = transcript(web.settings, conversation.sender_id) if conversation else []
    return TEMPLATES.TemplateResponse(
        request,
        "lead.html",
        {
            "user": user,
            "csrf": csrf_token(request),
            "lead": lead,
            "owner": owner.name if owner else None,
            "flow": flow.name if flow else None,
            "history": history,
            "transcript": lines,
            "stages": [s.value for s in LeadStage if s is not LeadStage.NEW],
            "error": error,
        },
    )


@router.post("/leads/{lead_id}/stage")
def set_stage(
    request: Request,
    lead_id: int,
    web: Annotated[WebContext, Depends(web_context)],
    user: Annotated[CurrentUser, require(Role.CONSULTANT)],
    csrf: Annotated[str, Form(max_length=100)],
    stage: Annotated[LeadStage, Form()],
    reason: Annotated[str | None, Form(max_length=300)] = None,
    value: Annotated[float | None, Form(ge=0, le=10_000_000)] = None,
) -> RedirectResponse:
    check_csrf(request, csrf)
    try:
        with web.store.transaction() as session:
            change_stage(
                session,
                lead_id,
                stage,
                actor=f"web:{user.username}",
                consultant_id=user.consultant_id,
                reason=reason,
                value=value,
            )
    except LifecycleError as exc:
        return _back(lead_id, str(exc))
    return _back(lead_id)


@router.post("/leads/{lead_id}/attempt")
def contact_attempt(
    request: Request,
    lead_id: int,
    web: Annotated[WebContext, Depends(web_context)],
    user: Annotated[CurrentUser, require(Role.CONSULTANT)],
    csrf: Annotated[str, Form(max_length=100)],
) -> RedirectResponse:
    check_csrf(request, csrf)
    try:
        with web.store.transaction() as session:
            record_contact_attempt(session, lead_id, "not_reachable", actor=f"web:{user.username}")
    except LifecycleError as exc:
        return _back(lead_id, str(exc))
    return _back(lead_id)


def _back(lead_id: int, error: str | None = None) -> RedirectResponse:
    query = f"?{urlencode({'error': error})}" if error else ""
    return RedirectResponse(f"/leads/{lead_id}{query}", status_code=303)
