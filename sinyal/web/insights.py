"""Marketing's and managers' pages: triggers, flows with their A/B tests, and the KPIs.

Charts are PNGs drawn per request from the same functions the CLI uses
(``sinyal.outreach.ab.chart``, ``sinyal.kpi.charts``), so the dashboard and
``sinyal ab report --chart`` never disagree.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from sinyal.chat.tracker import tracker_url
from sinyal.flows import FlowError, find_flow, load_flows
from sinyal.kpi.charts import consultants_chart, funnel_chart, trend_chart
from sinyal.kpi.metrics import Window
from sinyal.kpi.report import KpiQuery, kpi_report
from sinyal.outreach.ab.chart import write_chart
from sinyal.outreach.ab.report import ReportError, flow_report
from sinyal.store.models import Company, Flow, Role, Trigger, TriggerStatus
from sinyal.text import web_link
from sinyal.web.auth import CurrentUser, require
from sinyal.web.context import TEMPLATES, WebContext, web_context

router = APIRouter()
FlowName = Annotated[str, Query(max_length=120, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Event = Annotated[str | None, Query(pattern=r"^(clicked|chat_started|qualified|handed_over|won)$")]
KPI_CHARTS = {"funnel": funnel_chart, "trend": trend_chart, "consultants": consultants_chart}


@router.get("/triggers", response_class=HTMLResponse)
def triggers(
    request: Request,
    web: Annotated[WebContext, Depends(web_context)],
    user: Annotated[CurrentUser, require(Role.MARKETING)],
) -> HTMLResponse:
    with web.store.sessions() as session:
        rows = session.execute(
            select(Trigger, Company.name, Flow.name)
            .join(Company, Company.id == Trigger.company_id)
            .join(Flow, Flow.id == Trigger.flow_id)
            .where(Trigger.status.in_([TriggerStatus.OPEN.value, TriggerStatus.SUPPRESSED.value]))
            .order_by(Trigger.score.desc())
            .limit(500)
        ).all()
    items = [
        {
            "company": company,
            "company_id": trigger.company_id,
            "flow": flow,
            "score": trigger.score,
            "lookalike": (trigger.evidence or {}).get("lookalike"),
            "detected": trigger.detected_at,
            "postings": [
                {**p, "url": web_link(p.get("url"))}
                for p in (trigger.evidence or {}).get("postings", [])
            ],
            "signals": [
                {**s, "url": web_link(s.get("url"))}
                for s in (trigger.evidence or {}).get("signals") or []
            ],
            "suppressed_by": (trigger.evidence or {}).get("suppressed_by"),
        }
        for trigger, company, flow in rows
    ]
    return TEMPLATES.TemplateResponse(request, "triggers.html", {"user": user, "items": items})


@router.get("/flows", response_class=HTMLResponse)
def flows(
    request: Request,
    web: Annotated[WebContext, Depends(web_context)],
    user: Annotated[CurrentUser, require(Role.MARKETING)],
) -> HTMLResponse:
    try:
        definitions = load_flows(web.settings.flows_path)
        problem = None
    except FlowError as exc:
        definitions, problem = [], str(exc)
    reports: list[dict[str, Any]] = []
    with web.store.sessions() as session:
        for definition in definitions:
            try:
                report = flow_report(session, definition)
                reports.append({"flow": definition, "report": report, "note": None})
            except ReportError as exc:
                reports.append({"flow": definition, "report": None, "note": str(exc)})
    return TEMPLATES.TemplateResponse(
        request, "flows.html", {"user": user, "reports": reports, "problem": problem}
    )


@router.get("/flows/{name}/ab.png")
def ab_chart(
    name: str,
    web: Annotated[WebContext, Depends(web_context)],
    user: Annotated[CurrentUser, require(Role.MARKETING)],
    event: Event = None,
) -> Response:
    try:
        definition = find_flow(web.settings.flows_path, name)
        with web.store.sessions() as session:
            report = flow_report(session, definition, event)
    except (FlowError, ReportError):
        return Response(status_code=404)
    buffer = io.BytesIO()
    write_chart(report.analysis, buffer, definition.name, report.event)
    return Response(buffer.getvalue(), media_type="image/png")


def kpi_window(start: date | None, end: date | None) -> Window:
    today = datetime.now(UTC).date()
    first = start or today.replace(day=1)
    last = max(end or today, first)
    return Window(
        datetime.combine(first, datetime.min.time(), UTC),
        datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC),
    )


By = Annotated[str, Query(pattern=r"^(week|month)$")]


@router.get("/kpi", response_class=HTMLResponse)
def kpi(
    request: Request,
    web: Annotated[WebContext, Depends(web_context)],
    user: Annotated[CurrentUser, require(Role.MARKETING)],
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    by: By = "month",
) -> HTMLResponse:
    window = kpi_window(start, end)
    with web.store.sessions() as session:
        report = kpi_report(session, KpiQuery(window, by), tracker_url(web.settings))
    last_day = (window.end - timedelta(days=1)).date().isoformat()
    query = f"from={report['window']['from']}&to={last_day}&by={by}"
    return TEMPLATES.TemplateResponse(
        request,
        "kpi.html",
        {"user": user, "report": report, "query": query, "by": by, "last_day": last_day},
    )


@router.get("/kpi/{chart}.png")
def kpi_chart(
    chart: str,
    web: Annotated[WebContext, Depends(web_context)],
    user: Annotated[CurrentUser, require(Role.MARKETING)],
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    by: By = "month",
) -> Response:
    draw = KPI_CHARTS.get(chart)
    if draw is None:
        return Response(status_code=404)
    with web.store.sessions() as session:
        report = kpi_report(session, KpiQuery(kpi_window(start, end), by))
    buffer = io.BytesIO()
    draw(report, buffer)
    return Response(buffer.getvalue(), media_type="image/png")
