"""The dashboard over real HTTP: login, roles, CSRF, leads actions, pages, escaping, limits."""

from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import select

from sinyal.store import Store
from sinyal.store.models import (
    Company,
    Consultant,
    Flow,
    KpiEvent,
    Lead,
    LookalikeScore,
    Role,
    Trigger,
)
from sinyal.web.users import add_user
from tests.support.factories import seed_account
from tests.support.web_server import Web

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def people(store: Store) -> dict[str, int]:
    with store.transaction() as s:
        anna = Consultant(name="Anna Weber")
        s.add(anna)
        s.flush()
        add_user(s, "anna", PASSWORD, Role.CONSULTANT, "Anna Weber")
        add_user(s, "mia", PASSWORD, Role.MARKETING)
        add_user(s, "max", PASSWORD, Role.MANAGER)
        add_user(s, "nora", PASSWORD, None)
        lead = Lead(
            company_name="<script>alert(1)</script> GmbH",
            contact_name="Jonas Berg",
            email="jonas@berg.example",
            status="qualified",
            score=80,
            answers={"positions": 2, "urgency": "asap"},
        )
        s.add(lead)
        s.flush()
        return {"anna": anna.id, "lead": lead.id}


def login(web: Web, username: str, password: str = PASSWORD) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{web.url}/login", timeout=10)
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    browser.post(
        f"{web.url}/login",
        data={"username": username, "password": password, "csrf": token, "next": "/dashboard"},
        timeout=10,
    )
    return browser


def csrf_of(browser: requests.Session, page_url: str) -> str:
    return CSRF.search(browser.get(page_url, timeout=10).text).group(1)  # type: ignore[union-attr]


def test_pages_need_a_login(web: Web, people: dict[str, int]) -> None:
    for path in ("/leads", "/leads/1", "/triggers", "/flows", "/kpi", "/dashboard", "/accounts",
                 "/accounts/1", "/accounts/audience.csv"):  # fmt: skip
        response = requests.get(web.url + path, allow_redirects=False, timeout=10)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_a_consultant_claims_and_contacts_a_lead(
    web: Web, store: Store, people: dict[str, int]
) -> None:
    anna = login(web, "anna")
    inbox = anna.get(f"{web.url}/dashboard", timeout=10)
    assert inbox.url.endswith("/leads") and "Jonas Berg" in inbox.text
    assert "<script>alert(1)</script>" not in inbox.text  # escaped, shown as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; GmbH" in inbox.text
    lead_url = f"{web.url}/leads/{people['lead']}"
    for stage in ("claimed", "contacted"):
        done = anna.post(
            f"{lead_url}/stage", data={"csrf": csrf_of(anna, lead_url), "stage": stage}, timeout=10
        )
        assert done.status_code == 200 and f'id="stage">{stage}<' in done.text
    with store.transaction() as s:
        lead = s.get_one(Lead, people["lead"])
        assert (lead.stage, lead.consultant_id) == ("contacted", people["anna"])
        actors = s.scalars(select(KpiEvent.actor).where(KpiEvent.type == "stage_changed")).all()
        assert actors == ["web:anna", "web:anna"]
    # The same rules as Telegram and the CLI: no way back, lost needs a reason.
    back = anna.post(
        f"{lead_url}/stage", data={"csrf": csrf_of(anna, lead_url), "stage": "claimed"}, timeout=10
    )
    assert "cannot go back to claimed" in back.text
    lost = anna.post(
        f"{lead_url}/stage",
        data={"csrf": csrf_of(anna, lead_url), "stage": "lost", "reason": " "},
        timeout=10,
    )
    assert "a lost lead needs a reason" in lost.text


def test_a_post_without_the_csrf_token_is_refused(
    web: Web, store: Store, people: dict[str, int]
) -> None:
    anna = login(web, "anna")
    forged = anna.post(
        f"{web.url}/leads/{people['lead']}/stage",
        data={"csrf": "x", "stage": "claimed"},
        timeout=10,
    )
    assert forged.status_code == 403
    with store.transaction() as s:
        assert s.get_one(Lead, people["lead"]).stage == "new"


def test_roles_decide_what_a_user_sees(web: Web, people: dict[str, int]) -> None:
    mia = login(web, "mia")
    assert mia.get(f"{web.url}/leads", timeout=10).status_code == 403
    for path in ("/flows", "/kpi", "/triggers"):
        assert mia.get(web.url + path, timeout=10).status_code == 200, path
    chart = mia.get(f"{web.url}/kpi/funnel.png", timeout=10)
    assert chart.headers["content-type"] == "image/png" and chart.content[:4] == b"\x89PNG"
    nora = login(web, "nora")
    refused = nora.get(f"{web.url}/dashboard", timeout=10)
    assert refused.status_code == 403 and "no role" in refused.text
    assert nora.get(f"{web.url}/flows", timeout=10).status_code == 403
    max_ = login(web, "max")
    assert all(
        max_.get(web.url + p, timeout=10).status_code == 200 for p in ("/leads", "/kpi", "/flows")
    )


def test_wrong_passwords_are_refused_then_rate_limited(web: Web, people: dict[str, int]) -> None:
    browser = requests.Session()
    codes = []
    for _ in range(11):
        token = csrf_of(browser, f"{web.url}/login")
        response = browser.post(
            f"{web.url}/login",
            data={"username": "anna", "password": "wrong password", "csrf": token},
            timeout=10,
        )
        codes.append(response.status_code)
    assert codes[:10] == [401] * 10 and codes[10] == 429
    assert "Too many attempts" in response.text


def test_login_never_redirects_off_site_and_sets_a_safe_cookie(
    web: Web, people: dict[str, int]
) -> None:
    browser = requests.Session()
    token = csrf_of(browser, f"{web.url}/login")
    response = browser.post(
        f"{web.url}/login",
        data={"username": "max", "password": PASSWORD, "csrf": token, "next": "//evil.example/x"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.headers["location"] == "/dashboard"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_bad_query_parameters_get_a_clear_page(web: Web, people: dict[str, int]) -> None:
    anna = login(web, "anna")
    response = anna.get(f"{web.url}/leads", params={"status": "hot"}, timeout=10)
    assert response.status_code == 400 and "status" in response.text
    max_ = login(web, "max")
    assert max_.get(f"{web.url}/kpi", params={"from": "yesterday"}, timeout=10).status_code == 400


def test_triggers_show_evidence_links_but_never_script_urls(
    web: Web, store: Store, people: dict[str, int]
) -> None:
    with store.transaction() as s:
        flow = Flow(name="f", definition={}, definition_hash="h")
        company = Company(name="Nordwind <b>Logistik</b>", normalized_name="nordwind")
        s.add_all([flow, company])
        s.flush()
        postings = [
            {"title": "Fahrer (m/w/d)", "days_open": 140, "url": "https://jobs.example/1"},
            {"title": "Disponent", "days_open": 120, "url": "javascript:alert(1)"},
        ]
        s.add(Trigger(flow_id=flow.id, company_id=company.id, evidence={"postings": postings}))
    page = login(web, "mia").get(f"{web.url}/triggers", timeout=10).text
    assert 'href="https://jobs.example/1"' in page and "javascript:" not in page
    assert "Nordwind &lt;b&gt;Logistik&lt;/b&gt;" in page and "140 days open" in page


def test_triggers_show_their_news_and_why_one_is_held_back(
    web: Web, store: Store, people: dict[str, int]
) -> None:
    with store.transaction() as s:
        flow = Flow(name="g", definition={}, definition_hash="h2")
        good, bad = (
            Company(name="Brightwave Analytics Ltd", normalized_name="brightwave analytics"),
            Company(name="Kranbau Ost GmbH", normalized_name="kranbau ost"),
        )
        s.add_all([flow, good, bad])
        s.flush()
        posting = {"title": "Data Engineer", "days_open": 130, "url": "https://jobs.example/2"}
        funding = {"type": "funding", "published_at": "2026-11-12", "weight": 0.9, "title": "t",
                   "evidence": "Brightwave raised £12m.", "url": "javascript:alert(2)"}  # fmt: skip
        insolvency = {"type": "insolvency", "published_at": "2026-10-30", "title": "t",
                      "evidence": "Kranbau Ost hat Insolvenz beantragt.", "url": None}  # fmt: skip
        s.add_all(
            [
                Trigger(flow_id=flow.id, company_id=good.id, score=2.0,
                        evidence={"postings": [posting], "signals": [funding]}),
                Trigger(flow_id=flow.id, company_id=bad.id, score=1.5, status="suppressed",
                        evidence={"postings": [posting], "signals": [],
                                  "suppressed_by": insolvency}),
            ]
        )  # fmt: skip
    page = login(web, "mia").get(f"{web.url}/triggers", timeout=10).text
    assert "funding · 2026-11-12: Brightwave raised £12m." in page
    assert "javascript:" not in page
    assert "No outreach:</strong> insolvency · 2026-10-30" in page


def test_a_consultant_opens_a_company_from_its_lead_and_reads_its_story(
    web: Web, store: Store, people: dict[str, int]
) -> None:
    ids = seed_account(store)
    anna = login(web, "anna")
    lead = anna.get(f"{web.url}/leads/{ids['lead']}", timeout=10)
    assert f'id="account-link" href="/accounts/{ids["company"]}"' in lead.text
    page = anna.get(f"{web.url}/accounts/{ids['company']}", timeout=10)
    assert page.status_code == 200
    assert '<h1 id="account">Nordwind Logistik GmbH</h1>' in page.text
    assert "Lookalike 0.81</strong>, most like Hansa Spedition GmbH" in page.text
    timeline = page.text.split('id="timeline"')[1].split("</table>")[0]
    assert timeline.index("won") < timeline.index("link clicked: nordflow / short")
    assert timeline.index("link clicked") < timeline.index("expansion: Nordwind baut in Achim")
    assert "jonas@nordwind.example" not in page.text
    best = anna.get(f"{web.url}/accounts", timeout=10)
    assert f'href="/accounts/{ids["company"]}">Nordwind Logistik GmbH</a>' in best.text
    found = anna.get(f"{web.url}/accounts", params={"q": "<b>nord"}, timeout=10)
    assert (
        found.status_code == 200 and "&lt;b&gt;nord" in found.text and "<b>nord" not in found.text
    )
    assert anna.get(f"{web.url}/accounts/999999", timeout=10).status_code == 404
    assert anna.get(f"{web.url}/accounts/audience.csv", timeout=10).status_code == 403
    assert login(web, "nora").get(f"{web.url}/accounts", timeout=10).status_code == 403


def test_marketing_downloads_the_custom_audience_best_first(
    web: Web, store: Store, people: dict[str, int]
) -> None:
    seed_account(store)
    with store.transaction() as s:
        for n, score in enumerate((0.95, 0.5)):
            row = Company(name=f"Firma {n} GmbH", normalized_name=f"firma {n}", domain=f"f{n}.de")
            s.add(row)
            s.flush()
            s.add(LookalikeScore(company_id=row.id, score=score, reasons=[]))
    mia = login(web, "mia")
    response = mia.get(f"{web.url}/accounts/audience.csv", timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "name,website,domain,country,city,lookalike_score"
    assert [line.split(",")[0] for line in lines[1:]] == [
        "Firma 0 GmbH", "Nordwind Logistik GmbH", "Firma 1 GmbH",
    ]  # fmt: skip
    assert ",nordwind.example,DE,Bremen,0.8100" in lines[2]
